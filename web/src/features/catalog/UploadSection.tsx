// "Upload products": a JSON or CSV file read in the browser and sent in batches of at most
// 500 (upload.ts), with a progress bar, a summary in a polite live region, and the rejected
// products listed by their row and field.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { count } from "../../app/format";
import { maxBatch, uploadBatch } from "./api";
import { maxFileBytes, maxListed, maxProducts, parseFile, upload, type Progress, type Summary } from "./upload";

/** summaryText says how an upload ended, in one sentence for the live region. */
export function summaryText(s: Summary): string {
  const counts = `${count(s.created)} created, ${count(s.updated)} updated, ${count(s.rejected)} rejected`;
  if (s.stopped) return `Upload stopped after ${count(s.done)} of ${count(s.total)} products: ${counts}.`;
  return `Upload finished: ${counts}.`;
}

type FocusTarget = "file" | "stop" | "upload";

export function UploadSection({ tenantId }: { tenantId: string }) {
  const id = useId();
  const queries = useQueryClient();
  const section = useRef<HTMLElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const uploadButton = useRef<HTMLButtonElement>(null);
  const stopButton = useRef<HTMLButtonElement>(null);
  const [fileError, setFileError] = useState("");
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<Summary | null>(null);
  const [busy, setBusy] = useState(false);
  const stop = useRef<AbortController | null>(null);

  // Where focus goes once the change is drawn: the file input after a failure, "Stop" while
  // sending, Upload at the end. Set in an effect after the commit, since until then the
  // target may still be disabled (focus would fall to the body) or not there yet.
  const [focus, setFocus] = useState<{ to: FocusTarget; n: number } | null>(null);
  const focusOn = (to: FocusTarget) => setFocus((f) => ({ to, n: (f?.n ?? 0) + 1 }));
  useEffect(() => {
    if (!focus) return;
    if (focus.to === "upload") {
      // Only when focus was here (on Stop, now gone): never taken from elsewhere on the page.
      const a = document.activeElement;
      if (a && a !== document.body && !section.current?.contains(a)) return;
    }
    const el = focus.to === "file" ? input.current : focus.to === "stop" ? stopButton.current : uploadButton.current;
    el?.focus();
  }, [focus]);

  // Leaving the page stops the upload after the batch under way.
  useEffect(() => () => stop.current?.abort(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFileError("");
    setResult(null);
    const file = input.current?.files?.[0];
    const fail = (message: string) => {
      setBusy(false);
      setProgress(null);
      setFileError(message);
      focusOn("file");
    };
    if (!file) return fail("Choose a JSON or CSV file first.");
    if (file.size > maxFileBytes) return fail(`The file is ${(file.size / 1024 / 1024).toFixed(1)} MB: at most ${maxFileBytes / 1024 / 1024} MB can be uploaded here. Split it, or send it from your servers in batches.`);
    if (file.size === 0) return fail("The file is empty.");
    setBusy(true);
    focusOn("stop");
    const controller = new AbortController();
    stop.current = controller;
    try {
      const parsed = parseFile(file.name, await file.text());
      if (!parsed.ok) return fail(parsed.error);
      setProgress({ done: 0, total: parsed.rows.length });
      const s = await upload(parsed.rows, (items) => uploadBatch(tenantId, items), setProgress, maxBatch, controller.signal);
      setResult(s);
      setBusy(false);
      focusOn("upload");
      if (input.current) input.current.value = "";
    } catch (err) {
      fail(err instanceof Error ? `The file could not be read: ${err.message}` : "The file could not be read.");
    } finally {
      setBusy(false);
      setProgress(null);
      stop.current = null;
      void queries.invalidateQueries({ queryKey: ["catalog", tenantId] });
    }
  };

  const batchesOf = (n: number) => Math.max(1, Math.ceil(n / maxBatch));

  return (
    <section ref={section} aria-labelledby={id + "-title"} id="upload" className="upload">
      <h2 id={id + "-title"}>Upload products</h2>
      <p className="narrow">
        A <strong>JSON</strong> file holding an array of products (or <code>{'{"items": [ … ]}'}</code>), or a <strong>CSV</strong> file whose first row names
        the fields: <code>productId</code>, <code>name</code>, <code>category</code>, <code>price</code>, <code>currency</code>, <code>imageUrl</code>,{" "}
        <code>url</code>, <code>description</code>, <code>brand</code>, <code>available</code> (true or false), <code>attributes</code> (a JSON object) or one
        column per attribute (<code>attributes.color</code>). A product already in the catalog (the same productId) is replaced. Up to{" "}
        {maxFileBytes / 1024 / 1024} MB and {count(maxProducts)} products, sent {maxBatch} at a time.
      </p>
      <form onSubmit={submit} noValidate className="stack narrow">
        <div className="field">
          <label htmlFor={id}>Product file (JSON or CSV)</label>
          <input
            ref={input}
            id={id}
            name="file"
            type="file"
            accept=".json,.csv,application/json,text/csv"
            disabled={busy}
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? id + "-error" : undefined}
            onChange={() => setFileError("")}
          />
          {fileError && (
            <span className="field-error" id={id + "-error"} role="alert">
              {fileError}
            </span>
          )}
        </div>
        <div className="row">
          <button ref={uploadButton} type="submit" className="btn primary" disabled={busy}>
            {busy ? "Uploading…" : "Upload"}
          </button>
          {busy && (
            <button ref={stopButton} type="button" className="btn" onClick={() => stop.current?.abort()}>
              Stop after this batch
            </button>
          )}
        </div>
      </form>
      {progress && (
        <div className="upload-progress">
          <label htmlFor={id + "-progress"}>
            Sending batch {Math.min(batchesOf(progress.done + 1), batchesOf(progress.total))} of {batchesOf(progress.total)}: {count(progress.done)} of{" "}
            {count(progress.total)} products answered
          </label>
          <progress id={id + "-progress"} max={progress.total} value={progress.done} />
        </div>
      )}
      <p role="status" aria-live="polite" className={result ? (result.stopped || result.rejected ? "upload-result warn" : "notice") : "notice"}>
        {result ? summaryText(result) : ""}
      </p>
      {result?.stopped && (
        <p className="problem" role="alert">
          {result.stopped}
        </p>
      )}
      {result && result.rejections.length > 0 && <Rejections summary={result} />}
    </section>
  );
}

function Rejections({ summary }: { summary: Summary }) {
  // upload keeps only the first maxListed: enough to fix a file by.
  const shown = summary.rejections;
  return (
    <div className="table-wrap rejections">
      <table>
        <caption>Rejected products: fix them in the file and upload it again (the others are saved and would only be replaced)</caption>
        <thead>
          <tr>
            <th scope="col">Where</th>
            <th scope="col">Field</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {shown.flatMap((r) =>
            r.problems.map((p, i) => (
              <tr key={`${r.where}\u0000${i}`}>
                {i === 0 ? (
                  <th scope="row" rowSpan={r.problems.length}>
                    {r.where}
                  </th>
                ) : null}
                <td>{p.field ? <code>{p.field}</code> : <span className="muted">the whole product</span>}</td>
                <td>{p.message}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      {summary.unlisted > 0 && (
        <p className="muted">
          The first {count(maxListed)} rejected products are listed, and {count(summary.unlisted)} more were rejected.
        </p>
      )}
    </div>
  );
}
