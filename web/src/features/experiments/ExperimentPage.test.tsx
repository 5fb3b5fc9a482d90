import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { TenantLayout } from "../../app/TenantLayout";
import { fakeApi, renderWithQueries, type FakeCall } from "../../testApi";
import type { Experiment } from "./api";
import { EditForm, ExperimentPage } from "./ExperimentPage";

// The server, faked at fetch: the tenant and one experiment, which the lifecycle and update
// calls change.
const draft: Experiment = {
  id: "exp1",
  name: "Collab vs trending",
  placement: "home",
  status: "draft",
  controlStrategy: "collaborative",
  variantStrategy: "trending",
  controlShare: 0.5,
  primaryMetric: "conversion_rate",
  method: "sequential",
  targetMde: 0.1,
  createdAt: "2026-11-01T10:00:00Z",
  startedAt: null,
  endedAt: null,
};
let current: Experiment;
let calls: FakeCall[] = [];

beforeEach(() => {
  current = { ...draft };
  history.replaceState(null, "", "/tenants/t1/experiments/exp1");
  calls = fakeApi((method, url, body) => {
    const exp = "/api/v1/tenants/t1/experiments/exp1";
    if (method === "GET" && url.pathname === exp) return { status: 200, body: { data: current } };
    if (method === "PUT" && url.pathname === exp) {
      current = { ...current, ...(body as Partial<Experiment>) };
      return { status: 200, body: { data: current } };
    }
    if (method === "POST" && url.pathname === exp + "/complete") {
      current = { ...current, status: "completed", endedAt: "2026-11-02T10:00:00Z" };
      return { status: 200, body: { data: current } };
    }
    return undefined;
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderPage() {
  return renderWithQueries(
    <TenantLayout tenantId="t1" section="experiments" title="Experiment" page={<ExperimentPage tenantId="t1" experimentId="exp1" />} />,
  );
}

describe("ExperimentPage", () => {
  it("names the experiment in the tab's title, over the layout's, and follows a rename", async () => {
    renderPage();
    await waitFor(() => expect(document.title).toBe("Experiment: Collab vs trending · Shop · RecomEngine"));
    fireEvent.change(screen.getByLabelText("Experiment name"), { target: { value: "Renamed" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(calls.filter((c) => c.method === "PUT").map((c) => c.body)).toEqual([{ name: "Renamed", targetMde: 0.1 }]);
    await waitFor(() => expect(document.title).toBe("Experiment: Renamed · Shop · RecomEngine"));
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Renamed");
  });

  it("completes a draft without starting it, after a confirmation that says so; focus then goes to the notice", async () => {
    renderPage();
    const lifecycle = within(await screen.findByRole("group", { name: "Lifecycle" }));
    expect(lifecycle.getAllByRole("button").map((b) => b.textContent)).toEqual(["Start", "Complete without starting"]);
    fireEvent.click(lifecycle.getByRole("button", { name: "Complete without starting" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(within(dialog).getByRole("heading").textContent).toBe("Complete “Collab vs trending” without starting it?");
    expect(dialog.textContent).toMatch(/stays in the list of experiments as completed, with no results/);
    fireEvent.click(within(dialog).getByRole("button", { name: "Complete without starting" }));
    const notice = await screen.findByText(/^Completed without starting\./);
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(notice));
    // React Aria restores focus a frame after the dialog unmounts, only if it is on the body.
    await act(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(document.activeElement).toBe(notice);
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/v1/tenants/t1/experiments/exp1/complete"]);
    expect(screen.queryByRole("group", { name: "Lifecycle" })).toBeNull();
    expect(screen.getByText(/without being started: it never ran, so it has no results/)).toBeTruthy();
    expect(calls.some((c) => c.path.endsWith("/results"))).toBe(false);
  });
});

describe("EditForm", () => {
  const running: Experiment = { ...draft, status: "running", startedAt: "2026-11-01T11:00:00Z" };

  it("refuses to clear an existing target MDE (the API would keep it) and focuses the field", async () => {
    const onSave = vi.fn(async () => undefined);
    render(<EditForm e={running} onSave={onSave} />);
    const field = screen.getByLabelText("Target MDE (%)");
    expect(field.getAttribute("inputmode")).toBe("decimal");
    fireEvent.change(field, { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("The target MDE can be changed but not removed.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.queryByText("Saved.")).toBeNull();
  });

  it("moves focus to the field the server refused once it is drawn, even if a frame comes first", async () => {
    // A frame that runs at once: focus moved in a frame requested after the failure would
    // find no field at fault yet.
    vi.spyOn(window, "requestAnimationFrame").mockImplementation((cb) => {
      cb(0);
      return 0;
    });
    const problem = { status: 400, detail: "The experiment is invalid.", errors: [{ field: "name", message: "is taken" }] };
    render(<EditForm e={running} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("is taken");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Experiment name")));
  });
});
