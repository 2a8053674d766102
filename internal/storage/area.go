package storage

import (
	"context"
	"database/sql"

	"chengguan/internal/grid"
	"chengguan/internal/ledger"
)

// GridStore keeps responsibility areas (责任区) too: they are versioned beside the unit grid.
var _ grid.AreaStore = (*GridStore)(nil)

// LatestAreaVersion implements grid.AreaStore.
func (s *GridStore) LatestAreaVersion(ctx context.Context) (grid.AreaVersion, error) {
	var v grid.AreaVersion
	var at int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, created_at, created_by, source_name, area_count, digest
		FROM grid_area_versions ORDER BY id DESC LIMIT 1`).Scan(&v.ID, &at, &v.CreatedBy, &v.Name, &v.Areas, &v.Digest)
	if err != nil {
		return grid.AreaVersion{}, mapErr(err, "grid.areas_none")
	}
	v.CreatedAt = fromMs(at)
	return v, nil
}

// GridAreas implements grid.AreaStore.
func (s *GridStore) GridAreas(ctx context.Context, versionID int64) ([]grid.Area, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT code, name, unit_code, unit_id, kind, categories, geometry
		FROM grid_areas WHERE version_id = $1 ORDER BY code`, versionID)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []grid.Area
	for rows.Next() {
		var a grid.Area
		var cats, geom string
		var unitID sql.NullString
		if err := rows.Scan(&a.Code, &a.Name, &a.UnitCode, &unitID, &a.Kind, &cats, &geom); err != nil {
			return nil, mapErr(err, "")
		}
		a.UnitID = unitID.String
		a.Categories = grid.SplitCategories(cats)
		if a.Geometry, err = grid.ParseGeometry([]byte(geom)); err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err(), "")
}

// CreateAreaVersion implements grid.AreaStore.
func (s *GridStore) CreateAreaVersion(ctx context.Context, v grid.AreaVersion, areas []grid.Area, rec ledger.Record) error {
	geoms := make([]string, len(areas))
	for i, a := range areas {
		b, err := grid.MarshalGeometry(a.Geometry)
		if err != nil {
			return mapErr(err, "")
		}
		geoms[i] = string(b)
	}
	return s.db.Transact(ctx, func(q Querier) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO grid_area_versions (id, created_at, created_by, source_name, area_count, digest)
			VALUES ($1, $2, $3, $4, $5, $6)`, v.ID, ms(v.CreatedAt), v.CreatedBy, v.Name, v.Areas, v.Digest); err != nil {
			return mapErr(err, "")
		}
		for i, a := range areas {
			if _, err := q.ExecContext(ctx, `INSERT INTO grid_areas (version_id, code, name, unit_code, unit_id, kind, categories, geometry)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				v.ID, a.Code, a.Name, a.UnitCode, nullStr(a.UnitID), a.Kind, grid.JoinCategories(a.Categories), geoms[i]); err != nil {
				return mapErr(err, "")
			}
		}
		_, err := appendLedger(ctx, q, rec)
		return err
	})
}
