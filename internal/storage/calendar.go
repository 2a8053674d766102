package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/ledger"
)

// CalendarStore implements calendar.Store.
type CalendarStore struct{ db *DB }

// NewCalendarStore returns the calendar store over db.
func NewCalendarStore(db *DB) *CalendarStore { return &CalendarStore{db: db} }

var _ calendar.Store = (*CalendarStore)(nil)

// CalendarYears implements calendar.Store.
func (s *CalendarStore) CalendarYears(ctx context.Context) ([]calendar.StoredYear, error) {
	return calendarYears(ctx, s.db.Reader())
}

func calendarYears(ctx context.Context, q Querier) ([]calendar.StoredYear, error) {
	rows, err := q.QueryContext(ctx, `SELECT data, updated_at, updated_by FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []calendar.StoredYear
	for rows.Next() {
		var data string
		var at int64
		var y calendar.StoredYear
		if err := rows.Scan(&data, &at, &y.UpdatedBy); err != nil {
			return nil, mapErr(err, "")
		}
		if y.Year, err = calendar.ParseYear([]byte(data)); err != nil {
			return nil, mapErr(err, "")
		}
		y.UpdatedAt = fromMs(at)
		out = append(out, y)
	}
	return out, mapErr(rows.Err(), "")
}

// SaveCalendarYear implements calendar.Store.
func (s *CalendarStore) SaveCalendarYear(ctx context.Context, y calendar.StoredYear, changeID string,
	check func(stored []calendar.StoredYear) (ledger.Record, error)) error {
	after, err := calendar.MarshalYear(y.Year)
	if err != nil {
		return mapErr(err, "")
	}
	return s.db.Transact(ctx, func(q Querier) error {
		stored, err := calendarYears(ctx, q)
		if err != nil {
			return err
		}
		rec, err := check(stored)
		if err != nil {
			return err
		}
		var before sql.NullString
		err = q.QueryRowContext(ctx, `SELECT data FROM calendar_years WHERE year = $1`, y.Year.Year).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err, "")
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO calendar_years (year, data, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (year) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			y.Year.Year, string(after), ms(y.UpdatedAt), y.UpdatedBy); err != nil {
			return mapErr(err, "")
		}
		if _, err = q.ExecContext(ctx, `INSERT INTO calendar_changes (id, year, at, actor_id, before_data, after_data) VALUES ($1, $2, $3, $4, $5, $6)`,
			changeID, y.Year.Year, ms(y.UpdatedAt), y.UpdatedBy, before, string(after)); err != nil {
			return mapErr(err, "")
		}
		_, err = appendLedger(ctx, q, rec)
		return err
	})
}

// CalendarChanges implements calendar.Store.
func (s *CalendarStore) CalendarChanges(ctx context.Context, year int) ([]calendar.Change, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, year, at, actor_id, before_data, after_data
		FROM calendar_changes WHERE year = $1 ORDER BY at, id`, year)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []calendar.Change
	for rows.Next() {
		var c calendar.Change
		var at int64
		var before sql.NullString
		var after string
		if err := rows.Scan(&c.ID, &c.Year, &at, &c.ActorID, &before, &after); err != nil {
			return nil, mapErr(err, "")
		}
		c.At = fromMs(at)
		if before.Valid {
			b, err := calendar.ParseYear([]byte(before.String))
			if err != nil {
				return nil, mapErr(err, "")
			}
			c.Before = &b
		}
		if c.After, err = calendar.ParseYear([]byte(after)); err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "")
}

// WorkingHours implements calendar.Store.
func (s *CalendarStore) WorkingHours(ctx context.Context, unitIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(unitIDs) == 0 {
		return out, nil
	}
	var w where
	var in []string
	for _, id := range unitIDs {
		in = append(in, w.arg(id))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT unit_id, spans FROM unit_working_hours WHERE unit_id IN (`+strings.Join(in, ", ")+`)`, w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var id, spans string
		if err := rows.Scan(&id, &spans); err != nil {
			return nil, mapErr(err, "")
		}
		out[id] = spans
	}
	return out, mapErr(rows.Err(), "")
}

// SetWorkingHours implements calendar.Store.
func (s *CalendarStore) SetWorkingHours(ctx context.Context, unitID, spans string, at time.Time, by string, rec ledger.Record) error {
	return s.db.Transact(ctx, func(q Querier) error {
		var err error
		if spans == "" {
			_, err = q.ExecContext(ctx, `DELETE FROM unit_working_hours WHERE unit_id = $1`, unitID)
		} else {
			_, err = q.ExecContext(ctx, `INSERT INTO unit_working_hours (unit_id, spans, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (unit_id) DO UPDATE SET spans = excluded.spans, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				unitID, spans, ms(at), by)
		}
		if err != nil {
			return mapErr(err, "")
		}
		_, err = appendLedger(ctx, q, rec)
		return err
	})
}
