import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { WidgetForm } from "./WidgetForm";
import type { FormValues } from "./widgetSchema";

const defaults: FormValues = {
  layout: "grid",
  columns: "4",
  showPrice: true,
  ctaText: "View",
  itemCount: "4",
  strategy: "",
  title: "",
  primaryColor: "#1a56db",
  textColor: "#1f2937",
  backgroundColor: "#ffffff",
  borderRadius: "8",
};

afterEach(cleanup);

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = () => fireEvent.click(screen.getByRole("button", { name: "Save widget" }));

/** describedBy returns the text of what the field's aria-describedby points at. */
function describedBy(label: string): string {
  const ids = (screen.getByLabelText(label).getAttribute("aria-describedby") ?? "").split(" ");
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
}

describe("WidgetForm validation", () => {
  const cases: [label: string, bad: string, message: string][] = [
    ["Columns", "7", "Must be a whole number from 1 to 6."],
    ["Columns", "2.5", "Must be a whole number from 1 to 6."],
    ["Number of products", "0", "Must be a whole number from 1 to 20."],
    ["Number of products", "", "Must be a whole number from 1 to 20."],
    ["Button text", "", "Must be 1 to 40 printable characters."],
    ["Button text", "x".repeat(41), "Must be 1 to 40 printable characters."],
    ["Button text", "Buy\u202enow", "Must be 1 to 40 printable characters."],
    ["Title", "t".repeat(81), "Must be at most 80 printable characters."],
    ["Primary colour", "orange", "Must be a hex colour: #rgb or #rrggbb."],
    ["Text colour", "#12345", "Must be a hex colour: #rgb or #rrggbb."],
    ["Background colour", "fff", "Must be a hex colour: #rgb or #rrggbb."],
    ["Corner radius (px)", "33", "Must be a whole number from 0 to 32 (pixels)."],
  ];
  it.each(cases)("%s = %j shows its message on the field and is not sent", (label, bad, message) => {
    const onSave = vi.fn(async () => undefined);
    render(<WidgetForm initial={defaults} onSave={onSave} />);
    type(label, bad);
    save();
    expect(screen.getByLabelText(label).getAttribute("aria-invalid")).toBe("true");
    expect(describedBy(label)).toContain(message);
    expect(screen.getByRole("alert").textContent).toMatch(/field needs fixing/);
    expect(onSave).not.toHaveBeenCalled();
  });

  it("moves focus to the first field at fault on submit", async () => {
    render(<WidgetForm initial={defaults} onSave={vi.fn(async () => undefined)} />);
    type("Button text", "");
    type("Primary colour", "orange");
    save();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Button text")));
  });

  it("marks the layout radios and the price checkbox invalid with the server's message", async () => {
    const problem = { status: 400, detail: "The widget is invalid.", errors: [{ field: "layout", message: "must be grid or carousel" }, { field: "showPrice", message: "must be a boolean" }] };
    render(<WidgetForm initial={defaults} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    save();
    await screen.findByText("The widget is invalid.");
    for (const label of ["Grid", "Carousel"]) {
      expect(screen.getByLabelText(label).getAttribute("aria-invalid")).toBe("true");
      expect(describedBy(label)).toContain("must be grid or carousel");
    }
    expect(screen.getByLabelText("Show prices").getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("Show prices")).toContain("must be a boolean");
  });

  it("sends a valid form as the API's body", async () => {
    const onSave = vi.fn(async () => undefined);
    render(<WidgetForm initial={defaults} onSave={onSave} />);
    fireEvent.click(screen.getByLabelText("Carousel"));
    type("Button text", "Add to Cart");
    type("Primary colour", "#ff6600");
    type("Strategy", "trending");
    save();
    expect(onSave).toHaveBeenCalledWith({
      layout: "carousel",
      columns: 4,
      showPrice: true,
      ctaText: "Add to Cart",
      itemCount: 4,
      strategy: "trending",
      title: undefined,
      theme: { primaryColor: "#ff6600", textColor: "#1f2937", backgroundColor: "#ffffff", borderRadius: 8 },
    });
    expect(await screen.findByText(/Saved\./)).toBeTruthy();
  });

  it("sends focus to the message when the save fails without naming a field", async () => {
    const problem = { status: 503, detail: "RecomEngine is busy: try again in a minute." };
    render(<WidgetForm initial={defaults} onSave={async () => Promise.reject(new ApiError(503, problem))} />);
    save();
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(alert.textContent).toContain("RecomEngine is busy");
  });

  it("shows the server's field errors on their fields", async () => {
    const problem = { status: 400, detail: "The widget is invalid.", errors: [{ field: "theme.textColor", message: "must be a hex colour: #rgb or #rrggbb" }] };
    render(<WidgetForm initial={defaults} onSave={async () => Promise.reject(new ApiError(400, problem))} />);
    save();
    expect(await screen.findByText("The widget is invalid.")).toBeTruthy();
    expect(describedBy("Text colour")).toContain("must be a hex colour: #rgb or #rrggbb");
    expect(screen.getByLabelText("Text colour").getAttribute("aria-invalid")).toBe("true");
    // Focus goes to it too, once the answer's message is drawn.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Text colour")));
  });
});
