package storage

import (
	"context"
	"encoding/json"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/urban/taxonomy"
)

// TaxonomyStore implements taxonomy.Store.
type TaxonomyStore struct{ db *DB }

// NewTaxonomyStore returns the catalogue store over db.
func NewTaxonomyStore(db *DB) *TaxonomyStore { return &TaxonomyStore{db: db} }

var _ taxonomy.Store = (*TaxonomyStore)(nil)

const categoryCols = `id, kind, code, major_name, major_name_en, name, name_en, department_id, file_condition, close_condition,
	file_amount, file_unit, dispatch_amount, dispatch_unit, handle_amount, handle_unit, verify_amount, verify_unit,
	urgencies, enabled, source, version, updated_at, updated_by`

// Categories implements taxonomy.Store.
func (s *TaxonomyStore) Categories(ctx context.Context) ([]taxonomy.Category, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+categoryCols+` FROM categories ORDER BY kind, code`)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	out := []taxonomy.Category{}
	for rows.Next() {
		var c taxonomy.Category
		var fu, du, hu, vu, urg string
		var at int64
		if err := rows.Scan(&c.ID, &c.Kind, &c.Code, &c.MajorName, &c.MajorNameEN, &c.Name, &c.NameEN, &c.DepartmentID,
			&c.FileCondition, &c.CloseCondition, &c.FileLimit.Amount, &fu, &c.DispatchLimit.Amount, &du,
			&c.HandleLimit.Amount, &hu, &c.VerifyLimit.Amount, &vu, &urg, &c.Enabled, &c.Source, &c.Version, &at, &c.UpdatedBy); err != nil {
			return nil, mapErr(err, "")
		}
		c.FileLimit.Unit, c.DispatchLimit.Unit = calendar.Unit(fu), calendar.Unit(du)
		c.HandleLimit.Unit, c.VerifyLimit.Unit = calendar.Unit(hu), calendar.Unit(vu)
		if err := json.Unmarshal([]byte(urg), &c.Urgencies); err != nil {
			return nil, apperr.Internalf("category %s urgencies: %w", c.ID, err)
		}
		if len(c.Urgencies) == 0 {
			c.Urgencies = nil
		}
		c.UpdatedAt = fromMs(at)
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "")
}

// SaveCategories implements taxonomy.Store.
func (s *TaxonomyStore) SaveCategories(ctx context.Context, changes []taxonomy.Change) error {
	return s.db.Transact(ctx, func(q Querier) error {
		for _, ch := range changes {
			c := ch.Category
			urg := c.Urgencies
			if urg == nil {
				urg = []taxonomy.UrgencyLimit{}
			}
			u, err := json.Marshal(urg)
			if err != nil {
				return apperr.Internalf("urgencies: %w", err)
			}
			data, err := json.Marshal(c)
			if err != nil {
				return apperr.Internalf("category: %w", err)
			}
			args := []any{c.ID, string(c.Kind), c.Code, c.MajorName, c.MajorNameEN, c.Name, c.NameEN, c.DepartmentID,
				c.FileCondition, c.CloseCondition, c.FileLimit.Amount, string(c.FileLimit.Unit),
				c.DispatchLimit.Amount, string(c.DispatchLimit.Unit), c.HandleLimit.Amount, string(c.HandleLimit.Unit),
				c.VerifyLimit.Amount, string(c.VerifyLimit.Unit), string(u), c.Enabled, string(c.Source), c.Version,
				ms(c.UpdatedAt), c.UpdatedBy}
			if ch.Create {
				if _, err := q.ExecContext(ctx, `INSERT INTO categories (`+categoryCols+`) VALUES
					($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
					args...); err != nil {
					return mapErr(err, "")
				}
			} else {
				// Kind, code and source are a category's identity: the
				// rules keep them, and the update does not touch them.
				res, err := q.ExecContext(ctx, `UPDATE categories SET major_name = $4, major_name_en = $5, name = $6, name_en = $7,
					department_id = $8, file_condition = $9, close_condition = $10, file_amount = $11, file_unit = $12,
					dispatch_amount = $13, dispatch_unit = $14, handle_amount = $15, handle_unit = $16, verify_amount = $17,
					verify_unit = $18, urgencies = $19, enabled = $20, version = $22, updated_at = $23, updated_by = $24
					WHERE id = $1 AND kind = $2 AND code = $3 AND source = $21 AND version = $22 - 1`, args...)
				if err != nil {
					return mapErr(err, "")
				}
				if n, err := res.RowsAffected(); err != nil {
					return mapErr(err, "")
				} else if n != 1 {
					return apperr.New(apperr.Conflict, "taxonomy.stale")
				}
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO category_revisions (category_id, version, at, actor_id, data)
				VALUES ($1, $2, $3, $4, $5)`, c.ID, c.Version, ms(c.UpdatedAt), c.UpdatedBy, string(data)); err != nil {
				return mapErr(err, "")
			}
			if _, err := appendLedger(ctx, q, ch.Record); err != nil {
				return err
			}
		}
		return nil
	})
}

// CategoryRevisions implements taxonomy.Store.
func (s *TaxonomyStore) CategoryRevisions(ctx context.Context, id string) ([]taxonomy.Revision, error) {
	var one int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM categories WHERE id = $1`, id).Scan(&one); err != nil {
		return nil, mapErr(err, "taxonomy.not_found")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT category_id, version, at, actor_id, data FROM category_revisions
		WHERE category_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []taxonomy.Revision
	for rows.Next() {
		var r taxonomy.Revision
		var at int64
		var data string
		if err := rows.Scan(&r.CategoryID, &r.Version, &at, &r.By, &data); err != nil {
			return nil, mapErr(err, "")
		}
		r.At = fromMs(at)
		if err := json.Unmarshal([]byte(data), &r.Category); err != nil {
			return nil, apperr.Internalf("category revision %s/%d: %w", id, r.Version, err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "")
}
