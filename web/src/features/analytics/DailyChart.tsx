// The daily time series as a Recharts line chart: its own chunk, loaded with React.lazy so
// the main chunk does not carry Recharts. The same numbers are in the table next to it.

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DailyPoint } from "../../api/schemas";
import { count, money } from "../../app/format";

const series = [
  { key: "impressions", name: "Impressions", color: "#3b7de0", dash: undefined, axis: "n" },
  { key: "clicks", name: "Clicks", color: "#d9700b", dash: "6 3", axis: "n" },
  { key: "conversions", name: "Conversions", color: "#2a9d55", dash: "2 3", axis: "n" },
  { key: "revenue", name: "Revenue", color: "#b04fc9", dash: "10 4 2 4", axis: "money" },
] as const;

export default function DailyChart({ points, currency }: { points: DailyPoint[]; currency: string }) {
  const still = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
  const tick = { fill: "currentColor", fontSize: 12 };
  return (
    <div className="chart">
      <ResponsiveContainer width="100%" height={320}>
        <LineChart data={points} accessibilityLayer title="Daily impressions, clicks, conversions and revenue" margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid stroke="currentColor" strokeOpacity={0.15} />
          <XAxis dataKey="date" tick={tick} stroke="currentColor" minTickGap={24} />
          <YAxis yAxisId="n" tick={tick} stroke="currentColor" allowDecimals={false} tickFormatter={count} />
          <YAxis yAxisId="money" orientation="right" tick={tick} stroke="currentColor" tickFormatter={(v: number) => money(v, currency)} width={80} />
          <Tooltip
            contentStyle={{ background: "var(--surface)", color: "var(--text)", borderColor: "var(--border)" }}
            labelStyle={{ color: "var(--text)" }}
            formatter={(v, name) => (name === "Revenue" ? money(Number(v), currency) : count(Number(v)))}
          />
          <Legend formatter={(v: string) => <span style={{ color: "var(--text)" }}>{v}</span>} />
          {series.map((s) => (
            <Line
              key={s.key}
              yAxisId={s.axis}
              type="monotone"
              dataKey={s.key}
              name={s.name}
              stroke={s.color}
              strokeWidth={2}
              strokeDasharray={s.dash}
              dot={points.length <= 31}
              isAnimationActive={!still}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
