/** @module Hash routes: `#/runs`, `#/run?id=…`, `#/compare?ids=a,b`, `#/datasets`, `#/dataset?id=…&episode=i`, `#/teach`. */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  page: string;
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?");
  return { page: path || "runs", params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** A link target for a page and its parameters. */
export function href(page: string, params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return `#/${page}${query ? `?${query}` : ""}`;
}
