/** @module The dataset list (with statistics) and the dataset page (episode table and replay). */
import { api, fmt } from "./api.js";
import { useLoad } from "./hooks.js";
import { Player } from "./player.js";
import { href } from "./router.js";
import { Warnings } from "./runs.js";

export function DatasetsPage() {
  const { data, error } = useLoad(() => api.datasets(), [], 5000);
  return (
    <section>
      <h1>Datasets</h1>
      {error && <p class="error">{error}</p>}
      {data && <Warnings warnings={data.warnings} />}
      {data && data.items.length === 0 && (
        <p class="muted">
          No datasets yet. Record some with `mimic collect`, or play in <a href={href("teach")}>teach mode</a>
          .
        </p>
      )}
      {data && data.items.length > 0 && (
        <table id="datasets-table">
          <thead>
            <tr>
              <th>dataset</th>
              <th>env</th>
              <th class="num">episodes</th>
              <th class="num">steps</th>
              <th class="num">return mean ± std</th>
              <th class="num">min</th>
              <th class="num">max</th>
              <th class="num">mean length</th>
              <th class="num">terminated / truncated</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((d) => (
              <tr data-dataset={d.id}>
                <td>
                  <a href={href("dataset", { id: d.id })}>{d.id}</a>
                  {d.format === "jsonl" && <span class="muted"> (JSONL)</span>}
                </td>
                <td>{d.env ?? "–"}</td>
                <td class="num">{d.episodes}</td>
                <td class="num">{d.steps}</td>
                <td class="num">
                  {fmt(d.returnMean)} ± {fmt(d.returnStd)}
                </td>
                <td class="num">{fmt(d.returnMin)}</td>
                <td class="num">{fmt(d.returnMax)}</td>
                <td class="num">{fmt(d.lengthMean, 1)}</td>
                <td class="num">
                  {d.terminatedEpisodes} / {d.truncatedEpisodes}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function DatasetPage(props: { id: string; episode: number }) {
  const { data, error } = useLoad(() => api.dataset(props.id), [props.id]);
  const episode = useLoad(() => api.episode(props.id, props.episode), [props.id, props.episode]);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">loading {props.id}…</p>;
  return (
    <section id="dataset-page">
      <h1>{data.id}</h1>
      <p class="muted">
        {data.datasetId} · {data.env ?? "unknown env"} · {data.episodes} episodes, {data.steps} steps · return{" "}
        {fmt(data.returnMean)} ± {fmt(data.returnStd)} · observations {data.observationSpace} · actions{" "}
        {data.actionSpace}
      </p>
      <Warnings warnings={data.warnings} />
      <div class="split">
        <div>
          <h2>Episode {props.episode}</h2>
          {episode.error && <p class="error">{episode.error}</p>}
          {episode.data && <Player episode={episode.data} />}
        </div>
        <div class="episodes">
          <h2>Episodes</h2>
          <table id="episodes-table">
            <thead>
              <tr>
                <th class="num">#</th>
                <th class="num">return</th>
                <th class="num">length</th>
                <th>end</th>
                <th class="num">seed</th>
              </tr>
            </thead>
            <tbody>
              {data.episodeList.map((e) => (
                <tr class={e.index === props.episode ? "current" : ""} data-episode={e.index}>
                  <td class="num">
                    <a href={href("dataset", { id: data.id, episode: e.index })}>{e.index}</a>
                  </td>
                  <td class="num">{fmt(e.return)}</td>
                  <td class="num">{e.length}</td>
                  <td>{e.terminated ? "terminated" : e.truncated ? "truncated" : "–"}</td>
                  <td class="num">{e.seed ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
