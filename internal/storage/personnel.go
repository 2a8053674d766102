package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
	"chengguan/internal/personnel"
)

// PersonnelStore implements personnel.Store.
type PersonnelStore struct{ db *DB }

// NewPersonnelStore returns the personnel store over db.
func NewPersonnelStore(db *DB) *PersonnelStore { return &PersonnelStore{db: db} }

var _ personnel.Store = (*PersonnelStore)(nil)

func dateText(d personnel.Date) string {
	if d == (personnel.Date{}) {
		return ""
	}
	return d.String()
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Apply implements personnel.Store. New people, new docs and the history
// rows go in with multi-row inserts (an import writes tens of thousands);
// updates check the version one row at a time.
func (s *PersonnelStore) Apply(ctx context.Context, ch personnel.Change) error {
	var newPeople, newDocs, hist [][]any
	for _, r := range ch.People {
		p := r.Person
		if p.Version == 1 {
			newPeople = append(newPeople, []any{p.ID, nullText(p.AccountID), nullText(p.UnitID), p.UnitPath, p.Name, string(p.StaffType),
				string(p.Post), dateText(p.HiredOn), dateText(p.LeftOn), string(r.CertStatus), r.CertTo, string(r.Body), p.Version,
				ms(p.UpdatedAt), string(p.Level)})
		}
		hist = append(hist, []any{p.ID, p.Version, string(personnel.KindPerson), ms(p.UpdatedAt), "", string(r.Body)})
	}
	for _, d := range ch.Docs {
		if d.Version == 1 {
			newDocs = append(newDocs, []any{string(d.Kind), d.ID, d.Owner, d.Ref, d.UnitPath, d.Tag, d.From, d.To, string(d.Body),
				d.Version, ms(d.At), d.By, d.Tag2, d.Num})
		}
		hist = append(hist, []any{d.ID, d.Version, string(d.Kind), ms(d.At), d.By, string(d.Body)})
	}
	return s.db.Transact(ctx, func(q Querier) error {
		if err := insertRows(ctx, q, `INSERT INTO personnel_people (id, account_id, unit_id, unit_path, name, staff_type, post,
			hired_on, left_on, cert_status, cert_to, body, version, updated_at, level) VALUES `, newPeople); err != nil {
			return err
		}
		for _, r := range ch.People {
			p := r.Person
			if p.Version == 1 {
				continue
			}
			res, err := q.ExecContext(ctx, `UPDATE personnel_people SET account_id = $2, unit_id = $3, unit_path = $4, name = $5,
				staff_type = $6, post = $7, hired_on = $8, left_on = $9, body = $10, version = $11, updated_at = $12, level = $14
				WHERE id = $1 AND version = $13`,
				p.ID, nullText(p.AccountID), nullText(p.UnitID), p.UnitPath, p.Name, string(p.StaffType), string(p.Post),
				dateText(p.HiredOn), dateText(p.LeftOn), string(r.Body), p.Version, ms(p.UpdatedAt), p.Version-1, string(p.Level))
			if err := oneRow(res, err); err != nil {
				return err
			}
			// Records placed by the person's unit follow the person (a derived column).
			if _, err := q.ExecContext(ctx, `UPDATE personnel_docs SET unit_path = $2 WHERE unit_path <> $2 AND
				((owner_id = $1 AND kind IN ('certificate', 'period', 'duty', 'training', 'merit', 'transfer'))
				OR (ref_id = $1 AND kind = 'assignment'))`, p.ID, p.UnitPath); err != nil {
				return mapErr(err, "")
			}
		}
		if err := insertRows(ctx, q, `INSERT INTO personnel_docs (kind, id, owner_id, ref_id, unit_path, tag, t_from, t_to,
			body, version, updated_at, updated_by, tag2, num) VALUES `, newDocs); err != nil {
			return err
		}
		for _, d := range ch.Docs {
			if d.Version == 1 {
				continue
			}
			res, err := q.ExecContext(ctx, `UPDATE personnel_docs SET owner_id = $3, ref_id = $4, unit_path = $5, tag = $6,
				t_from = $7, t_to = $8, body = $9, version = $10, updated_at = $11, updated_by = $12, tag2 = $14, num = $15
				WHERE kind = $1 AND id = $2 AND version = $13`,
				string(d.Kind), d.ID, d.Owner, d.Ref, d.UnitPath, d.Tag, d.From, d.To, string(d.Body), d.Version, ms(d.At), d.By,
				d.Version-1, d.Tag2, d.Num)
			if err := oneRow(res, err); err != nil {
				return err
			}
		}
		// A version already in the history means the stored version moved on
		// meanwhile: the primary key refuses it (a Conflict).
		if err := insertRows(ctx, q, `INSERT INTO personnel_history (id, version, kind, at, by_actor, body) VALUES `, hist); err != nil {
			return err
		}
		for _, sm := range ch.Summaries {
			res, err := q.ExecContext(ctx, `UPDATE personnel_people SET cert_status = $2, cert_to = $3 WHERE id = $1`,
				sm.PersonID, string(sm.CertStatus), sm.CertTo)
			if err := oneRow(res, err); err != nil {
				return err
			}
		}
		for _, r := range ch.Ledger {
			if _, err := appendLedger(ctx, q, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertRows inserts rows with one statement per chunk of rows. Chunks stay
// near 300 parameters: SQLite resolves "$n" names with a linear search per
// parameter, so a statement's preparation grows with the square of its
// parameters.
func insertRows(ctx context.Context, q Querier, prefix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, 300/len(rows[0]))
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		var sb strings.Builder
		sb.WriteString(prefix)
		args := make([]any, 0, (end-start)*len(rows[0]))
		for i, r := range rows[start:end] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				sb.WriteString("$" + strconv.Itoa(len(args)))
			}
			sb.WriteByte(')')
		}
		res, err := q.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return mapErr(err, "")
		}
		if n, err := res.RowsAffected(); err == nil && n != int64(end-start) {
			return apperr.New(apperr.Conflict, "personnel.stale")
		}
	}
	return nil
}

// oneRow turns an insert or update that touched no row into a Conflict: the
// version read is no longer the stored one.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err, "")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, "")
	}
	if n != 1 {
		return apperr.New(apperr.Conflict, "personnel.stale")
	}
	return nil
}

// AppendLedger implements personnel.Store.
func (s *PersonnelStore) AppendLedger(ctx context.Context, recs ...ledger.Record) error {
	return s.db.Transact(ctx, func(q Querier) error {
		for _, r := range recs {
			if _, err := appendLedger(ctx, q, r); err != nil {
				return err
			}
		}
		return nil
	})
}

const personCols = `cert_status, cert_to, body`

func scanPerson(sc interface{ Scan(...any) error }) (personnel.Row, error) {
	var r personnel.Row
	var cs, body string
	if err := sc.Scan(&cs, &r.CertTo, &body); err != nil {
		return r, err
	}
	r.CertStatus = personnel.CertStatus(cs)
	r.Body = []byte(body)
	if err := json.Unmarshal(r.Body, &r.Person); err != nil {
		return r, err
	}
	return r, nil
}

// Person implements personnel.Store.
func (s *PersonnelStore) Person(ctx context.Context, id string) (personnel.Row, error) {
	r, err := scanPerson(s.db.Reader().QueryRowContext(ctx, `SELECT `+personCols+` FROM personnel_people WHERE id = $1`, id))
	return r, mapErr(err, "personnel.person_not_found")
}

// PersonByAccount implements personnel.Store.
func (s *PersonnelStore) PersonByAccount(ctx context.Context, accountID string) (personnel.Row, error) {
	r, err := scanPerson(s.db.Reader().QueryRowContext(ctx, `SELECT `+personCols+` FROM personnel_people WHERE account_id = $1`, accountID))
	return r, mapErr(err, "personnel.person_not_found")
}

// People implements personnel.Store. The scope and the filters become SQL
// conditions; the certificate state on a day is read from the summary
// columns, the post status from the periods covering the day.
func (s *PersonnelStore) People(ctx context.Context, f personnel.Filter) ([]personnel.Row, int, error) {
	var w where
	w.add(w.scopeCond(identity.Scope{All: f.All, Paths: f.Paths}, "unit_path"))
	if f.UnitPath != "" {
		w.add("unit_path LIKE " + w.arg(f.UnitPath+"%"))
	}
	if f.StaffType != "" {
		w.add("staff_type = " + w.arg(string(f.StaffType)))
	}
	if f.Post != "" {
		w.add("post = " + w.arg(string(f.Post)))
	}
	if f.Text != "" {
		w.add("LOWER(name) LIKE " + w.arg(likeArg(f.Text)) + ` ESCAPE '\'`)
	}
	day := f.Day.String()
	if f.ActiveOnly {
		d := w.arg(day)
		w.add("hired_on <= " + d + " AND (left_on = '' OR left_on > " + d + ")")
	}
	switch f.CertState {
	case personnel.StateNone:
		w.add("cert_status = ''")
	case personnel.StatePending:
		w.add("cert_status = 'applied'")
	case personnel.StateSuspended, personnel.StateRevoked:
		w.add("cert_status = " + w.arg(string(f.CertState)))
	case personnel.StateExpired:
		w.add("cert_status = 'valid' AND cert_to < " + w.arg(day))
	case personnel.StateExpiring:
		w.add("cert_status = 'valid' AND cert_to >= " + w.arg(day) + " AND cert_to <= " +
			w.arg(f.Day.AddDays(personnel.ExpiryWarnDays).String()))
	case personnel.StateValid:
		w.add("cert_status = 'valid' AND cert_to > " + w.arg(f.Day.AddDays(personnel.ExpiryWarnDays).String()))
	}
	if f.Status != "" {
		// The set of people with a period covering the day is small; it is
		// computed once rather than probed for every row.
		d := w.arg(day)
		covering := `SELECT owner_id FROM personnel_docs WHERE kind = 'period'
			AND t_from <= ` + d + ` AND (t_to = '' OR t_to >= ` + d + `)`
		if f.Status == personnel.StatusOnDuty {
			w.add("id NOT IN (" + covering + " AND tag <> 'on_duty')")
		} else {
			w.add("id IN (" + covering + " AND tag = " + w.arg(string(f.Status)) + ")")
		}
	}
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM personnel_people`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "")
	}
	// The page is chosen on the covering index alone; only its rows' bodies are read.
	page := `SELECT id, unit_path, name FROM personnel_people` + w.sql() + ` ORDER BY unit_path, name, id`
	if f.Limit > 0 {
		page += limit(f.Limit) + " OFFSET " + w.arg(f.Offset)
	}
	q := `SELECT p.cert_status, p.cert_to, p.body FROM (` + page + `) pg JOIN personnel_people p ON p.id = pg.id
		ORDER BY pg.unit_path, pg.name, pg.id`
	rows, err := s.db.Reader().QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, 0, mapErr(err, "")
	}
	defer rows.Close()
	var out []personnel.Row
	for rows.Next() {
		r, err := scanPerson(rows)
		if err != nil {
			return nil, 0, mapErr(err, "")
		}
		out = append(out, r)
	}
	return out, total, mapErr(rows.Err(), "")
}

const docCols = `kind, id, owner_id, ref_id, unit_path, tag, t_from, t_to, body, version, updated_at, updated_by, tag2, num`

func scanDoc(sc interface{ Scan(...any) error }) (personnel.Doc, error) {
	var d personnel.Doc
	var kind, body string
	var at int64
	if err := sc.Scan(&kind, &d.ID, &d.Owner, &d.Ref, &d.UnitPath, &d.Tag, &d.From, &d.To, &body, &d.Version, &at, &d.By, &d.Tag2, &d.Num); err != nil {
		return d, err
	}
	d.Kind, d.Body, d.At = personnel.Kind(kind), []byte(body), fromMs(at)
	return d, nil
}

func (s *PersonnelStore) docs(ctx context.Context, where string, args ...any) ([]personnel.Doc, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+docCols+` FROM personnel_docs WHERE `+where+` ORDER BY t_from, id`, args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []personnel.Doc
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "")
}

// Doc implements personnel.Store.
func (s *PersonnelStore) Doc(ctx context.Context, kind personnel.Kind, id string) (personnel.Doc, error) {
	d, err := scanDoc(s.db.Reader().QueryRowContext(ctx, `SELECT `+docCols+` FROM personnel_docs WHERE kind = $1 AND id = $2`,
		string(kind), id))
	return d, mapErr(err, "personnel."+string(kind)+"_not_found")
}

// Docs implements personnel.Store.
func (s *PersonnelStore) Docs(ctx context.Context, kind personnel.Kind, owner string) ([]personnel.Doc, error) {
	if owner == "" {
		return s.docs(ctx, "kind = $1", string(kind))
	}
	return s.docs(ctx, "kind = $1 AND owner_id = $2", string(kind), owner)
}

// DocsByRef implements personnel.Store.
func (s *PersonnelStore) DocsByRef(ctx context.Context, kind personnel.Kind, ref string) ([]personnel.Doc, error) {
	return s.docs(ctx, "kind = $1 AND ref_id = $2", string(kind), ref)
}

// DocsIn implements personnel.Store.
func (s *PersonnelStore) DocsIn(ctx context.Context, kind personnel.Kind, all bool, paths []string) ([]personnel.Doc, error) {
	var w where
	w.add("kind = " + w.arg(string(kind)))
	w.add(w.scopeCond(identity.Scope{All: all, Paths: paths}, "unit_path"))
	return s.docs(ctx, strings.TrimPrefix(w.sql(), " WHERE "), w.args...)
}

// History implements personnel.Store.
func (s *PersonnelStore) History(ctx context.Context, id string) ([]personnel.Revision, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, version, kind, at, by_actor, body FROM personnel_history
		WHERE id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []personnel.Revision
	for rows.Next() {
		var r personnel.Revision
		var kind, body string
		var at int64
		if err := rows.Scan(&r.ID, &r.Version, &kind, &at, &r.By, &body); err != nil {
			return nil, mapErr(err, "")
		}
		r.Kind, r.At, r.Body = personnel.Kind(kind), fromMs(at), []byte(body)
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "")
}

// UnitPath implements personnel.Store.
func (s *PersonnelStore) UnitPath(ctx context.Context, unitID string) (string, string, error) {
	var path, name string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT path, name FROM units WHERE CAST(id AS TEXT) = $1`, unitID).Scan(&path, &name)
	return path, name, mapErr(err, "unit.not_found")
}

// UnitsOfKind implements personnel.Store.
func (s *PersonnelStore) UnitsOfKind(ctx context.Context, kind string) ([][3]string, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, path, name FROM units WHERE kind = $1 AND disabled = FALSE ORDER BY path`, kind)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var u [3]string
		if err := rows.Scan(&u[0], &u[1], &u[2]); err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, u)
	}
	return out, mapErr(rows.Err(), "")
}

// UnitCodes implements personnel.Store.
func (s *PersonnelStore) UnitCodes(ctx context.Context) (map[string][2]string, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT code, id, path FROM units WHERE disabled = FALSE`)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var code string
		var u [2]string
		if err := rows.Scan(&code, &u[0], &u[1]); err != nil {
			return nil, mapErr(err, "")
		}
		out[code] = u
	}
	return out, mapErr(rows.Err(), "")
}

// Brief implements personnel.Store: people from the indexed columns alone
// (no unit ID: the unit path places them).
func (s *PersonnelStore) Brief(ctx context.Context, all bool, paths []string) ([]personnel.Person, error) {
	var w where
	w.add(w.scopeCond(identity.Scope{All: all, Paths: paths}, "unit_path"))
	// Only columns of the roster index: the rows themselves are not read.
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, unit_path, name, staff_type, post, level,
		hired_on, left_on FROM personnel_people`+w.sql()+` ORDER BY unit_path, name, id`, w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	// Person is large; growing a slice of 20,000 by doubling costs more
	// than counting first.
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM personnel_people`+w.sql(), w.args...).Scan(&n); err != nil {
		return nil, mapErr(err, "")
	}
	out := make([]personnel.Person, 0, n+16)
	for rows.Next() {
		var p personnel.Person
		var staff, post, level, hired, left string
		if err := rows.Scan(&p.ID, &p.UnitPath, &p.Name, &staff, &post, &level, &hired, &left); err != nil {
			return nil, mapErr(err, "")
		}
		p.StaffType, p.Post, p.Level = personnel.StaffType(staff), personnel.Post(post), personnel.CadreLevel(level)
		if hired != "" {
			p.HiredOn, _ = calendar.ParseDate(hired)
		}
		if left != "" {
			p.LeftOn, _ = calendar.ParseDate(left)
		}
		out = append(out, p)
	}
	return out, mapErr(rows.Err(), "")
}

// Columns implements personnel.Store: docs without their bodies.
func (s *PersonnelStore) Columns(ctx context.Context, f personnel.DocFilter) ([]personnel.Doc, error) {
	var w where
	w.add("kind = " + w.arg(string(f.Kind)))
	w.add(w.scopeCond(identity.Scope{All: f.All, Paths: f.Paths}, "unit_path"))
	if f.Tag != "" {
		w.add("tag = " + w.arg(f.Tag))
	}
	if f.ToAtMost != "" {
		w.add("t_to <= " + w.arg(f.ToAtMost))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT kind, id, owner_id, ref_id, unit_path, tag, tag2, num, t_from, t_to, version
		FROM personnel_docs`+w.sql(), w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []personnel.Doc
	for rows.Next() {
		var d personnel.Doc
		var kind string
		if err := rows.Scan(&kind, &d.ID, &d.Owner, &d.Ref, &d.UnitPath, &d.Tag, &d.Tag2, &d.Num, &d.From, &d.To, &d.Version); err != nil {
			return nil, mapErr(err, "")
		}
		d.Kind = personnel.Kind(kind)
		out = append(out, d)
	}
	return out, mapErr(rows.Err(), "")
}
