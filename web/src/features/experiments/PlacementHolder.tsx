// After a 409 on a placement (FR-019: one running or paused experiment per placement), the
// experiment that holds it, with a link, so the way out is one click away.

import { useQuery } from "@tanstack/react-query";
import { Link } from "../../router";
import { listExperiments } from "./api";
import { statusLabels } from "./format";

export function PlacementHolder({ tenantId, placement, exclude }: { tenantId: string; placement: string; exclude?: string }) {
  const holders = useQuery({
    queryKey: ["experiments", tenantId, "placement", placement],
    queryFn: () => listExperiments(tenantId, 0, { placement }),
    enabled: placement !== "",
  });
  const holder = holders.data?.data.find((x) => x.id !== exclude && (x.status === "running" || x.status === "paused"));
  if (!holder) return null;
  return (
    <p className="callout" data-testid="placement-holder">
      Placement <code>{placement}</code> is held by{" "}
      <Link href={`/tenants/${encodeURIComponent(tenantId)}/experiments/${encodeURIComponent(holder.id)}`}>{holder.name}</Link> (
      {statusLabels[holder.status].toLowerCase()}). Complete that experiment first, or choose another placement.
    </p>
  );
}
