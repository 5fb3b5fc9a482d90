// The live preview: the real SDK's drawing code (sdk/src/render.ts) draws the form's
// config into a shadow root, exactly as a shop shows it, with the tenant's own
// recommendations for a sample shopper (the admin preview endpoint) or, while there are
// none, sample products.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { readConfig, readRecommendations, type RecommendationSet } from "../../../../sdk/src/config";
import { mount, render } from "../../../../sdk/src/render";
import { previewRecommendations } from "../../api/endpoints";
import { fromForm, type FormValues } from "./widgetSchema";

const sampleUser = "dashboard-preview";

function samples(n: number): RecommendationSet {
  const names = ["Blue Mug", "Linen Apron", "Oak Board", "Tea Towel", "Steel Kettle", "Glass Jar", "Bread Knife", "Salad Bowl"];
  return {
    recommendationId: "",
    items: Array.from({ length: n }, (_, i) => ({
      productId: `sample-${i + 1}`,
      name: names[i % names.length] + (i >= names.length ? ` ${Math.floor(i / names.length) + 1}` : ""),
      imageUrl: "",
      url: `${location.origin}/#sample-${i + 1}`,
      price: 9.5 + i * 3,
      currency: "USD",
    })),
  };
}

export function WidgetPreview({ tenantId, placement, values }: { tenantId: string; placement: string; values: FormValues }) {
  const host = useRef<HTMLDivElement>(null);
  // readConfig is the SDK's own check: a field being typed that is not valid yet falls
  // back to its default, as it would in a shop.
  const cfg = readConfig(fromForm(values))!;
  const recs = useQuery({
    queryKey: ["preview", tenantId, placement, cfg.itemCount, cfg.strategy],
    queryFn: () => previewRecommendations(tenantId, { userId: sampleUser, limit: cfg.itemCount, placement, strategy: cfg.strategy }),
    retry: false,
    staleTime: 60_000,
  });
  const real = recs.data ? readRecommendations(recs.data) : null;
  const set = real && real.items.length > 0 ? real : samples(cfg.itemCount);
  const isSample = set !== real;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const root = mount(el);
    if (!root) return;
    render(root, cfg, { ...set, items: set.items.slice(0, cfg.itemCount) });
    // A picture of the widget, not part of the dashboard: its links are no Tab stops.
    for (const a of root.querySelectorAll<HTMLElement>("a, button, [tabindex]")) a.tabIndex = -1;
    // A carousel scrolls sideways: its list is then the one Tab stop, for the arrow keys.
    for (const list of root.querySelectorAll<HTMLElement>("ul")) {
      if (cfg.layout === "carousel") list.tabIndex = 0;
      else list.removeAttribute("tabindex");
    }
  });

  useEffect(() => {
    // The preview's links go nowhere: a click on a card must not leave the dashboard.
    const el = host.current;
    const stop = (e: Event) => e.preventDefault();
    el?.addEventListener("click", stop);
    return () => el?.removeEventListener("click", stop);
  }, []);

  return (
    <figure className="preview" aria-labelledby="preview-caption">
      <figcaption id="preview-caption">
        Live preview{" "}
        <span className="muted small">
          {recs.isPending
            ? "(loading recommendations…)"
            : recs.isError
              ? "(sample products: the recommendations could not be loaded)"
              : isSample
                ? "(sample products: this tenant has no recommendations yet)"
                : `(recommendations for shopper “${sampleUser}”)`}
        </span>
      </figcaption>
      <div ref={host} className="preview-host" data-testid="widget-preview" />
    </figure>
  );
}
