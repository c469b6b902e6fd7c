package store

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
)

// SyncCatalogue makes the catalogue tables match the catalogue file, in one
// transaction. Plan tables (focus areas, initiatives, funding) are replaced;
// tables that observations refer to (indicators, sources, geographies,
// organisations) are upserted, and rows no longer in the file are marked
// inactive rather than deleted. It reports whether the catalogue changed
// since the last sync.
func (s *Store) SyncCatalogue(ctx context.Context, c *indicators.Catalogue) (changed bool, err error) {
	err = s.InTx(ctx, func(tx pgx.Tx) error {
		// Replicas starting together synchronise one after the other.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kpv.catalogue'))`); err != nil {
			return err
		}
		var last string
		err := tx.QueryRow(ctx, `SELECT sha256 FROM catalogue_syncs ORDER BY id DESC LIMIT 1`).Scan(&last)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		changed = last != c.Hash

		b := &pgx.Batch{}
		jsonOf := func(v any) []byte { j, _ := json.Marshal(v); return j }

		for _, o := range c.Organisations {
			b.Queue(`INSERT INTO organisations (id, name_da, name_en, kind, region, active) VALUES ($1,$2,$3,$4,NULLIF($5,''),true)
				ON CONFLICT (id) DO UPDATE SET name_da=$2, name_en=$3, kind=$4, region=NULLIF($5,''), active=true`,
				o.ID, o.NameDA, o.NameEN, o.Kind, o.Region)
		}
		for _, g := range c.Geographies {
			b.Queue(`INSERT INTO geographies (code, kind, name_da, name_en, iso_numeric, active) VALUES ($1,$2,$3,$4,NULLIF($5,0),true)
				ON CONFLICT (code) DO UPDATE SET kind=$2, name_da=$3, name_en=$4, iso_numeric=NULLIF($5,0), active=true`,
				g.Code, g.Kind, g.NameDA, g.NameEN, g.ISONumeric)
		}
		for _, src := range c.Sources {
			b.Queue(`INSERT INTO sources (id, name_da, name_en, publisher, format, url, schedule, release, active) VALUES ($1,$2,$3,$4,$5,NULLIF($6,''),NULLIF($7,''),$8,true)
				ON CONFLICT (id) DO UPDATE SET name_da=$2, name_en=$3, publisher=$4, format=$5, url=NULLIF($6,''), schedule=NULLIF($7,''), release=$8, active=true`,
				src.ID, src.NameDA, src.NameEN, src.Publisher, src.Format, src.URL, src.Schedule, jsonOf(src.Release))
		}
		for _, g := range c.Goals {
			b.Queue(`INSERT INTO goals (id, key, name_da, name_en, short_da, short_en, source) VALUES ($1,$2,$3,$4,$5,$6,$7)
				ON CONFLICT (id) DO UPDATE SET key=$2, name_da=$3, name_en=$4, short_da=$5, short_en=$6, source=$7`,
				g.ID, g.Key, g.NameDA, g.NameEN, g.ShortDA, g.ShortEN, jsonOf(g.Source))
		}
		for _, in := range c.Indicators {
			b.Queue(`INSERT INTO indicators (id, goal_id, name_da, name_en, unit, polarity, owner, source_id, breakdowns, spec, active)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,true)
				ON CONFLICT (id) DO UPDATE SET goal_id=$2, name_da=$3, name_en=$4, unit=$5, polarity=$6, owner=$7, source_id=$8, breakdowns=$9, spec=$10, active=true`,
				in.ID, in.Goal, in.NameDA, in.NameEN, in.Unit, in.Polarity, in.Owner, in.Source, nonNil(in.Breakdowns), jsonOf(in))
		}
		var orgIDs, geoCodes, sourceIDs, indIDs []string
		for _, o := range c.Organisations {
			orgIDs = append(orgIDs, o.ID)
		}
		for _, g := range c.Geographies {
			geoCodes = append(geoCodes, g.Code)
		}
		for _, src := range c.Sources {
			sourceIDs = append(sourceIDs, src.ID)
		}
		for _, in := range c.Indicators {
			indIDs = append(indIDs, in.ID)
		}
		b.Queue(`UPDATE indicators SET active=false WHERE NOT (id = ANY($1))`, indIDs)
		b.Queue(`UPDATE sources SET active=false WHERE NOT (id = ANY($1))`, sourceIDs)
		b.Queue(`UPDATE geographies SET active=false WHERE NOT (code = ANY($1))`, geoCodes)
		b.Queue(`UPDATE organisations SET active=false WHERE NOT (id = ANY($1))`, orgIDs)

		b.Queue(`DELETE FROM funding`)
		b.Queue(`DELETE FROM initiatives`)
		b.Queue(`DELETE FROM focus_areas`)
		for _, a := range c.FocusAreas {
			b.Queue(`INSERT INTO focus_areas (id, name_da, name_en) VALUES ($1,$2,$3)`, a.ID, a.NameDA, a.NameEN)
		}
		for _, in := range c.Initiatives {
			b.Queue(`INSERT INTO initiatives (number, name_da, name_en, focus_area, goals, summary_da, summary_en, lead, source)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
				in.Number, in.NameDA, in.NameEN, in.FocusArea, in.Goals, in.SummaryDA, in.SummaryEN, nonNil(in.Lead), jsonOf(in.Source))
		}
		for _, t := range c.FundingTables {
			for _, r := range t.Rows() {
				b.Queue(`INSERT INTO funding (table_id, line_id, parent_id, name_da, name_en, recipient, initiatives, column_label, amount_mdkk)
					VALUES ($1,$2,NULLIF($3,''),$4,$5,$6,$7,$8,$9)`,
					r.Table, r.Line, r.Parent, r.NameDA, r.NameEN, r.Recipient, nonNilInts(r.Initiatives), r.Column, r.Amount)
			}
		}
		if changed {
			b.Queue(`INSERT INTO catalogue_syncs (version, sha256) VALUES ($1, $2)`, c.Version, c.Hash)
			b.Queue(`INSERT INTO audit_log (actor, action, target, outcome, detail) VALUES ('kpv', 'catalogue.sync', $1, 'success', $2)`,
				c.Name, jsonOf(map[string]string{"version": c.Version, "sha256": c.Hash}))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return changed, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}
