/**
 * @module
 * The dashboard's page (served by `mimic ui`): Preact components, uPlot charts, and mimic's own envs
 * and renderers, bundled by scripts/build-ui.mjs into dist/ui.
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { type JSX, render } from "preact";
import { DaggerPage } from "./dagger.js";
import { DatasetPage, DatasetsPage } from "./datasets.js";
import { href, useRoute } from "./router.js";
import { ComparePage, RunPage, RunsPage } from "./runs.js";
import { TeachPage } from "./teach-page.js";

function App() {
  const { page, params } = useRoute();
  const nav = [
    ["runs", "Runs"],
    ["datasets", "Datasets"],
    ["teach", "Teach"],
    ["dagger", "DAgger"],
  ] as const;
  const section = page === "run" || page === "compare" ? "runs" : page === "dataset" ? "datasets" : page;
  let body: JSX.Element;
  switch (page) {
    case "runs":
      body = <RunsPage />;
      break;
    case "run":
      body = <RunPage id={params.get("id") ?? ""} />;
      break;
    case "compare":
      body = <ComparePage ids={(params.get("ids") ?? "").split(",").filter(Boolean)} />;
      break;
    case "datasets":
      body = <DatasetsPage />;
      break;
    case "dataset":
      body = <DatasetPage id={params.get("id") ?? ""} episode={Number(params.get("episode") ?? 0) || 0} />;
      break;
    case "teach":
      body = <TeachPage env={params.get("env")} dataset={params.get("dataset")} seed={params.get("seed")} />;
      break;
    case "dagger":
      body = <DaggerPage />;
      break;
    default:
      body = <p class="error">No page {JSON.stringify(page)}.</p>;
  }
  return (
    <>
      <header>
        <b>mimic</b>
        <nav>
          {nav.map(([id, label]) => (
            <a href={href(id)} class={section === id ? "active" : ""}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>{body}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
