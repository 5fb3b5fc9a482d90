import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { ExperimentForm } from "./ExperimentForm";
import { newExperiment, validate, validateEdit } from "./form";

afterEach(cleanup);

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const create = () => fireEvent.click(screen.getByRole("button", { name: "Create experiment" }));
const valid = { ...newExperiment, name: "Collab vs trending", placement: "product-page" };

/** describedBy returns the text of what the field's aria-describedby points at. */
function describedBy(label: string): string {
  const ids = (screen.getByLabelText(label).getAttribute("aria-describedby") ?? "").split(" ");
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
}

describe("ExperimentForm validation", () => {
  const cases: [label: string, bad: string, message: string][] = [
    ["Name", "", "Must be 1 to 200 printable characters."],
    ["Name", "   ", "Must be 1 to 200 printable characters."],
    ["Name", "x".repeat(201), "Must be 1 to 200 printable characters."],
    ["Name", "é".repeat(101), "Must be 1 to 200 printable characters."], // 202 bytes, as the server counts
    ["Name", "tab\there", "Must be 1 to 200 printable characters."],
    ["Placement", "", "Must be 1 to 128 printable characters"],
    ["Placement", "p".repeat(129), "Must be 1 to 128 printable characters"],
    ["Placement", "home\u007f", "Must be 1 to 128 printable characters"],
    ["Placement", "..", "not . or .."],
    ["Control share (%)", "0", "Must be a number from 1 to 99"],
    ["Control share (%)", "99.5", "Must be a number from 1 to 99"],
    ["Control share (%)", "", "Must be a number from 1 to 99"],
    ["Control share (%)", "half", "Must be a number from 1 to 99"],
    ["Target MDE (%)", "0", "Must be a lift above 0 and at most 1000"],
    ["Target MDE (%)", "1001", "Must be a lift above 0 and at most 1000"],
    ["Target MDE (%)", "-5", "Must be a lift above 0 and at most 1000"],
  ];
  it.each(cases)("%s = %j shows its message on the field and is not sent", (label, bad, message) => {
    const onCreate = vi.fn(async () => undefined);
    render(<ExperimentForm initial={valid} onCreate={onCreate} />);
    type(label, bad);
    create();
    expect(screen.getByLabelText(label).getAttribute("aria-invalid")).toBe("true");
    expect(describedBy(label)).toContain(message);
    expect(screen.getByRole("alert").textContent).toBe("One field needs fixing.");
    expect(onCreate).not.toHaveBeenCalled();
  });

  it("counts the fields at fault and moves focus to the first", async () => {
    render(<ExperimentForm initial={newExperiment} onCreate={vi.fn(async () => undefined)} />);
    type("Control share (%)", "100");
    create();
    expect(screen.getByRole("alert").textContent).toBe("3 fields need fixing.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Name")));
  });

  it("sends a valid form as the API's body: trimmed text, shares and lifts as fractions", async () => {
    const onCreate = vi.fn(async () => undefined);
    render(<ExperimentForm initial={newExperiment} onCreate={onCreate} />);
    type("Name", "  Collab vs trending ");
    type("Placement", " home ");
    type("Variant strategy", "trending");
    type("Control share (%)", "30");
    type("Primary metric", "revenue_per_user");
    fireEvent.click(screen.getByLabelText(/^Fixed horizon/));
    type("Target MDE (%)", "12.5");
    create();
    await waitFor(() =>
      expect(onCreate).toHaveBeenCalledWith({
        name: "Collab vs trending",
        placement: "home",
        controlStrategy: "collaborative",
        variantStrategy: "trending",
        controlShare: 0.3,
        primaryMetric: "revenue_per_user",
        method: "fixed",
        targetMde: 0.125,
      }),
    );
  });

  it("leaves an empty target MDE out (the server's default: none)", () => {
    const got = validate(valid);
    expect(got.ok && got.body.targetMde).toBe(undefined);
    expect(got.ok && got.body.controlShare).toBe(0.5);
  });

  it("says when both arms use the same strategy (an A/A test), without refusing it as the server does not", async () => {
    const onCreate = vi.fn(async () => undefined);
    render(<ExperimentForm initial={valid} onCreate={onCreate} />);
    expect(screen.queryByText(/A\/A test/)).toBeNull();
    type("Variant strategy", "collaborative");
    expect(screen.getByText(/an A\/A test/)).toBeTruthy();
    create();
    await waitFor(() => expect(onCreate).toHaveBeenCalledOnce());
  });

  it("shows the server's field errors on their fields and focuses the first", async () => {
    const problem = { status: 400, detail: "The experiment is invalid.", errors: [{ field: "controlShare", message: "must be between 0.01 and 0.99" }] };
    render(<ExperimentForm initial={valid} onCreate={async () => Promise.reject(new ApiError(400, problem))} />);
    create();
    expect(await screen.findByText("The experiment is invalid.")).toBeTruthy();
    expect(screen.getByLabelText("Control share (%)").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("Control share (%)")).toContain("must be between 0.01 and 0.99");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Control share (%)")));
  });

  it("moves focus after the failure is drawn, even if a frame comes first", async () => {
    // A frame that runs at once: focus moved in a frame requested right after the failure
    // would find no field at fault yet (the state set after an await renders later).
    vi.spyOn(window, "requestAnimationFrame").mockImplementation((cb) => {
      cb(0);
      return 0;
    });
    const problem = { status: 400, detail: "The experiment is invalid.", errors: [{ field: "name", message: "is taken" }] };
    render(<ExperimentForm initial={valid} onCreate={async () => Promise.reject(new ApiError(400, problem))} />);
    create();
    await screen.findByText("The experiment is invalid.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Name")));
  });

  it("types shares and lifts on a keypad with a decimal point", () => {
    render(<ExperimentForm initial={valid} onCreate={vi.fn(async () => undefined)} />);
    expect(screen.getByLabelText("Control share (%)").getAttribute("inputmode")).toBe("decimal");
    expect(screen.getByLabelText("Target MDE (%)").getAttribute("inputmode")).toBe("decimal");
  });

  it("shows a 409 on the placement, naming the experiment that holds it, with the page's link to it", async () => {
    const detail = 'Experiment "Spring test" is running on placement "home"; complete it first.';
    render(
      <ExperimentForm
        initial={{ ...valid, placement: "home" }}
        onCreate={async () => Promise.reject(new ApiError(409, { status: 409, detail }))}
        conflict={(p) => <p>held: {p}</p>}
      />,
    );
    create();
    expect(await screen.findByText("held: home")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain(detail);
    expect(screen.getByLabelText("Placement").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("Placement")).toContain("Another experiment is running or paused on this placement.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Placement")));
  });
});

describe("validateEdit", () => {
  it("checks the name and target, and leaves an empty target out when there was none", () => {
    expect(validateEdit({ name: " New name ", targetMde: "" }, false)).toEqual({ ok: true, body: { name: "New name" } });
    expect(validateEdit({ name: "n", targetMde: "5" }, false)).toEqual({ ok: true, body: { name: "n", targetMde: 0.05 } });
    expect(validateEdit({ name: "", targetMde: "0" }, false)).toEqual({
      ok: false,
      errors: { name: "Must be 1 to 200 printable characters.", targetMde: "Must be a lift above 0 and at most 1000 (per cent), or empty." },
    });
  });

  it("refuses to clear an existing target, which the API would keep", () => {
    expect(validateEdit({ name: "n", targetMde: " " }, true)).toEqual({ ok: false, errors: { targetMde: "The target MDE can be changed but not removed." } });
    expect(validateEdit({ name: "", targetMde: "" }, true)).toEqual({
      ok: false,
      errors: { name: "Must be 1 to 200 printable characters.", targetMde: "The target MDE can be changed but not removed." },
    });
    expect(validateEdit({ name: "n", targetMde: "12" }, true)).toEqual({ ok: true, body: { name: "n", targetMde: 0.12 } });
  });
});
