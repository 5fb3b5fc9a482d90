import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { originErrors } from "./origins";

describe("originErrors", () => {
  it("names the origin each of the server's config.allowedOrigins[i] errors is about", () => {
    const err = new ApiError(400, {
      status: 400,
      detail: "The tenant is invalid.",
      errors: [
        { field: "config.allowedOrigins[1]", message: "must be scheme://host[:port]" },
        { field: "name", message: "required" },
      ],
    });
    expect(originErrors(err, ["https://ok.example", "shop.example/path"])).toBe("“shop.example/path”: must be scheme://host[:port]");
    expect(originErrors(new Error("x"), [])).toBeUndefined();
  });
});
