// The type every generated dashboard must satisfy: Grafana's dashboard model
// from @grafana/schema, with each panel's options and field config typed by
// its own panel plugin's schema. grafana/schema_test.go assigns each
// dashboard's JSON to KpvDashboard as an object literal and runs
// `tsc --noEmit --strict`, so a misspelt or unknown property, a wrong type or
// a value outside an enum fails the test.
import type * as schema from "@grafana/schema";
import type * as v2 from "@grafana/schema/apis/dashboard.grafana.app/v2";
import type * as barchart from "@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen";
import type * as bargauge from "@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen";
import type * as stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as table from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type * as text from "@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen";
import type * as timeseries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

// JSON holds strings where the schema has TypeScript string enums, which a
// string literal cannot be assigned to: Plain turns each enum into the union
// of its values ("list" | "table" | "hidden"), recursively.
type Plain<T> = T extends string
  ? string extends T
    ? string
    : `${T}`
  : T extends number | boolean | bigint | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Plain<U>>
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

// Panel options and field config as a panel stores them: Grafana fills every
// option left out from the plugin's defaults when the panel loads, so options
// may be omitted, but each one given must be known and of the right type.
type Given<T> = T extends string
  ? string extends T
    ? string
    : `${T}`
  : T extends number | boolean | bigint | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Given<U>>
      : T extends object
        ? { [K in keyof T]?: Given<T[K]> }
        : T;

// The standard field options (unit, decimals, color, thresholds, mappings…)
// with the panel's own `custom` options in place of the schema's open record.
type StandardFieldConfig = Omit<schema.FieldConfig, "custom">;
type FieldConfig<Custom> = Given<StandardFieldConfig> & { custom?: Given<Custom> };

// An override property: a standard field option by its name, or a custom one
// as "custom.NAME", with a value of that option's type.
type OverrideProperty<Custom> =
  | { [K in keyof StandardFieldConfig]-?: { id: K; value?: Given<StandardFieldConfig[K]> } }[keyof StandardFieldConfig]
  | { [K in keyof Custom & string]-?: { id: `custom.${K}`; value?: Given<Custom[K]> } }[keyof Custom & string];

interface FieldConfigSource<Custom> {
  defaults: FieldConfig<Custom>;
  overrides: Array<{ matcher: Plain<schema.MatcherConfig>; properties: Array<OverrideProperty<Custom>> }>;
}

// Queries: the Prometheus and PostgreSQL query models are part of those data
// source plugins, not of @grafana/schema, so kpv declares the fields it writes
// here (from Grafana's prometheus dataquery and grafana-sql SQLQuery types).
interface PrometheusQuery extends Plain<Omit<schema.DataQuery, "datasource">> {
  datasource: { type: "prometheus"; uid: string };
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  exemplar?: boolean;
  interval?: string;
  format?: "time_series" | "table" | "heatmap";
  editorMode?: "code" | "builder";
}
interface PostgresQuery extends Plain<Omit<schema.DataQuery, "datasource">> {
  datasource: { type: "grafana-postgresql-datasource"; uid: string };
  rawSql: string;
  rawQuery?: boolean;
  editorMode?: "code" | "builder";
  format?: "time_series" | "table";
}

// A panel of one plugin type. Panel links are data links ({title, url,
// targetBlank}) as Grafana stores them; the v1 model's `links` says
// DashboardLink, which the v2 model corrects to DataLink.
type PanelOf<Type extends string, Options, Custom> = Omit<
  Plain<schema.Panel>,
  "type" | "options" | "fieldConfig" | "targets" | "links"
> & {
  type: Type;
  options?: Given<Options>;
  fieldConfig?: FieldConfigSource<Custom>;
  targets?: Array<PrometheusQuery | PostgresQuery>;
  links?: Array<Plain<v2.DataLink>>;
};

// Panels with no custom field options of their own.
type NoCustom = Record<string, never>;

export type KpvPanel =
  | PanelOf<"stat", stat.Options, NoCustom>
  | PanelOf<"bargauge", bargauge.Options, NoCustom>
  | PanelOf<"table", table.Options, table.FieldConfig>
  | PanelOf<"timeseries", timeseries.Options, timeseries.FieldConfig>
  | PanelOf<"barchart", barchart.Options, barchart.FieldConfig>
  | PanelOf<"text", text.Options, NoCustom>;

export type KpvRow = Omit<Plain<schema.RowPanel>, "panels"> & { panels: KpvPanel[] };

export type KpvDashboard = Omit<Plain<schema.Dashboard>, "panels"> & {
  panels?: Array<KpvPanel | KpvRow>;
};
