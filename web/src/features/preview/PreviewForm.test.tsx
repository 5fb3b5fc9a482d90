import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { PreviewForm } from "./PreviewForm";
import { emptyForm } from "./query";

afterEach(cleanup);

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole("button", { name: "Preview" }));
function describedBy(label: string): string {
  const ids = (screen.getByLabelText(label).getAttribute("aria-describedby") ?? "").split(" ");
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
}

describe("PreviewForm", () => {
  it("does not submit without a user id; the error is tied to the field, which gets focus", async () => {
    const onSubmit = vi.fn();
    render(<PreviewForm initial={emptyForm} onSubmit={onSubmit} />);
    submit();
    expect(onSubmit).not.toHaveBeenCalled();
    const field = screen.getByLabelText("User id");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(describedBy("User id")).toContain("Enter a user id.");
    await waitFor(() => expect(document.activeElement).toBe(field));
  });

  it("checks the limit", () => {
    const onSubmit = vi.fn();
    render(<PreviewForm initial={emptyForm} onSubmit={onSubmit} />);
    type("User id", "user-123");
    type("Number of results", "51");
    submit();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(describedBy("Number of results")).toContain("Must be a whole number from 1 to 50.");
    expect(screen.getByLabelText("User id").getAttribute("aria-invalid")).toBeNull();
  });

  it("submits valid values", () => {
    const onSubmit = vi.fn();
    render(<PreviewForm initial={emptyForm} onSubmit={onSubmit} />);
    type("User id", "user-123");
    fireEvent.change(screen.getByLabelText("Strategy"), { target: { value: "trending" } });
    type("Number of results", "5");
    submit();
    expect(onSubmit).toHaveBeenCalledWith({ ...emptyForm, userId: "user-123", strategy: "trending", limit: "5" });
  });

  it("puts the server's field errors on the fields", () => {
    const err = new ApiError(400, { title: "Invalid", status: 400, errors: [{ field: "userId", message: "must be printable" }] } as never);
    render(<PreviewForm initial={{ ...emptyForm, userId: "u" }} onSubmit={() => {}} serverError={err} />);
    expect(describedBy("User id")).toContain("must be printable");
  });

  it("follows the URL when it changes", () => {
    const { rerender } = render(<PreviewForm initial={emptyForm} onSubmit={() => {}} />);
    rerender(<PreviewForm initial={{ ...emptyForm, userId: "from-url", limit: "3" }} onSubmit={() => {}} />);
    expect((screen.getByLabelText("User id") as HTMLInputElement).value).toBe("from-url");
    expect((screen.getByLabelText("Number of results") as HTMLInputElement).value).toBe("3");
  });
});
