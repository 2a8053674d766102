package storage

import (
	"context"

	"chengguan/internal/grid"
	"chengguan/internal/ledger"
)

// GridStore implements grid.Store.
type GridStore struct{ db *DB }

// NewGridStore returns the grid store over db.
func NewGridStore(db *DB) *GridStore { return &GridStore{db: db} }

var _ grid.Store = (*GridStore)(nil)

// LatestGridVersion implements grid.Store.
func (s *GridStore) LatestGridVersion(ctx context.Context) (grid.Version, error) {
	var v grid.Version
	var at int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, created_at, created_by, source_name, cell_count, digest, code_length
		FROM grid_versions ORDER BY id DESC LIMIT 1`).Scan(&v.ID, &at, &v.CreatedBy, &v.Name, &v.Cells, &v.Digest, &v.CodeLength)
	if err != nil {
		return grid.Version{}, mapErr(err, "grid.none")
	}
	v.CreatedAt = fromMs(at)
	return v, nil
}

// GridCells implements grid.Store.
func (s *GridStore) GridCells(ctx context.Context, versionID int64) ([]grid.Cell, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT code, name, community_code, community_name, street_code, street_name,
		district_code, district_name, geometry FROM grid_cells WHERE version_id = $1 ORDER BY code`, versionID)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []grid.Cell
	for rows.Next() {
		var c grid.Cell
		var geom string
		if err := rows.Scan(&c.Code, &c.Name, &c.Community.Code, &c.Community.Name, &c.Street.Code, &c.Street.Name,
			&c.District.Code, &c.District.Name, &geom); err != nil {
			return nil, mapErr(err, "")
		}
		if c.Geometry, err = grid.ParseGeometry([]byte(geom)); err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "")
}

// CreateGridVersion implements grid.Store.
func (s *GridStore) CreateGridVersion(ctx context.Context, v grid.Version, cells []grid.Cell, rec ledger.Record) error {
	geoms := make([]string, len(cells))
	for i, c := range cells {
		b, err := grid.MarshalGeometry(c.Geometry)
		if err != nil {
			return mapErr(err, "")
		}
		geoms[i] = string(b)
	}
	return s.db.Transact(ctx, func(q Querier) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO grid_versions (id, created_at, created_by, source_name, cell_count, digest, code_length)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			v.ID, ms(v.CreatedAt), v.CreatedBy, v.Name, v.Cells, v.Digest, v.CodeLength); err != nil {
			return mapErr(err, "")
		}
		for i, c := range cells {
			if _, err := q.ExecContext(ctx, `INSERT INTO grid_cells (version_id, code, name, community_code, community_name,
				street_code, street_name, district_code, district_name, geometry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				v.ID, c.Code, c.Name, c.Community.Code, c.Community.Name, c.Street.Code, c.Street.Name,
				c.District.Code, c.District.Name, geoms[i]); err != nil {
				return mapErr(err, "")
			}
		}
		_, err := appendLedger(ctx, q, rec)
		return err
	})
}
