package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
	"chengguan/internal/urban"
)

// UrbanStore implements urban.Store.
type UrbanStore struct{ db *DB }

// NewUrbanStore returns the case store over db.
func NewUrbanStore(db *DB) *UrbanStore { return &UrbanStore{db: db} }

var _ urban.Store = (*UrbanStore)(nil)

const caseColumns = `id, number, version, channel, category_id, category_code, urgency, description, address,
	lon, lat, grid_code, grid_version, unit_id, unit_path, department_id, department_path, state, held_from,
	merged_into, pending, reporter_id, reporter_key, client_id, tracking_hash, reported_at, updated_at,
	filed_at, dispatched_at, handled_at, verified_at, closed_at, handle_due, stage_due, stage_started,
	stage_provisional, warned_level, escalated_at, reworks, extensions, reopens, returns, public_note,
	rating, rated_at`

// caseArgs are the values of caseColumns, in order.
func caseArgs(c *urban.Case) ([]any, error) {
	pending := ""
	if c.Pending != nil {
		b, err := json.Marshal(c.Pending)
		if err != nil {
			return nil, err
		}
		pending = string(b)
	}
	return []any{c.ID, c.Number, c.Version, string(c.Channel), c.CategoryID, c.Category, string(c.Urgency),
		c.Description, c.Address, c.Lon, c.Lat, c.GridCode, c.GridVersion, c.UnitID, c.UnitPath, c.DepartmentID,
		c.DepartmentPath, string(c.State), string(c.HeldFrom), c.MergedInto, pending, c.ReporterID, c.ReporterKey,
		c.ClientID, c.TrackingHash, ms(c.ReportedAt), ms(c.UpdatedAt), nullMs(c.FiledAt), nullMs(c.DispatchedAt),
		nullMs(c.HandledAt), nullMs(c.VerifiedAt), nullMs(c.ClosedAt), nullMs(c.HandleDue), nullMs(c.StageDue),
		nullMs(c.StageStarted), c.StageProvisional, c.WarnedLevel, nullMs(c.EscalatedAt), c.Reworks, c.Extensions,
		c.Reopens, c.Returns, c.PublicNote, c.Rating, nullMs(c.RatedAt)}, nil
}

// rowScanner is a row or rows of a query.
type rowScanner interface{ Scan(...any) error }

// scanCase reads one case of caseColumns.
func scanCase(row rowScanner) (*urban.Case, error) {
	var c urban.Case
	if err := scanCaseInto(row, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// scanCaseInto reads a row of caseColumns into c: lists fill their slice in place.
func scanCaseInto(row rowScanner, c *urban.Case) error {
	var channel, urgency, state, held, pending string
	var reported, updated int64
	var filed, dispatched, handled, verified, closed, handleDue, stageDue, stageStarted, escalated, rated sql.NullInt64
	if err := row.Scan(&c.ID, &c.Number, &c.Version, &channel, &c.CategoryID, &c.Category, &urgency, &c.Description,
		&c.Address, &c.Lon, &c.Lat, &c.GridCode, &c.GridVersion, &c.UnitID, &c.UnitPath, &c.DepartmentID,
		&c.DepartmentPath, &state, &held, &c.MergedInto, &pending, &c.ReporterID, &c.ReporterKey, &c.ClientID,
		&c.TrackingHash, &reported, &updated, &filed, &dispatched, &handled, &verified, &closed, &handleDue,
		&stageDue, &stageStarted, &c.StageProvisional, &c.WarnedLevel, &escalated, &c.Reworks, &c.Extensions,
		&c.Reopens, &c.Returns, &c.PublicNote, &c.Rating, &rated); err != nil {
		return err
	}
	c.Channel, c.Urgency, c.State, c.HeldFrom = urban.Channel(channel), urban.Urgency(urgency), urban.State(state), urban.State(held)
	if pending != "" {
		c.Pending = new(urban.Pending)
		if err := json.Unmarshal([]byte(pending), c.Pending); err != nil {
			return fmt.Errorf("case %s: pending: %w", c.ID, err)
		}
	}
	c.ReportedAt, c.UpdatedAt = fromMs(reported), fromMs(updated)
	c.FiledAt, c.DispatchedAt, c.HandledAt = fromNullMs(filed), fromNullMs(dispatched), fromNullMs(handled)
	c.VerifiedAt, c.ClosedAt, c.HandleDue = fromNullMs(verified), fromNullMs(closed), fromNullMs(handleDue)
	c.StageDue, c.StageStarted, c.EscalatedAt = fromNullMs(stageDue), fromNullMs(stageStarted), fromNullMs(escalated)
	c.RatedAt = fromNullMs(rated)
	return nil
}

// publicCaseColumns are what urban.Filter.Public lists read; scanPublicCase reads them.
const publicCaseColumns = `id, number, channel, category_id, category_code, description, address, lon, lat, state,
	reopens, merged_into, public_note, reported_at, updated_at, handle_due, closed_at`

func scanPublicCase(row rowScanner, c *urban.Case) error {
	var channel, state string
	var reported, updated int64
	var handleDue, closed sql.NullInt64
	if err := row.Scan(&c.ID, &c.Number, &channel, &c.CategoryID, &c.Category, &c.Description, &c.Address, &c.Lon,
		&c.Lat, &state, &c.Reopens, &c.MergedInto, &c.PublicNote, &reported, &updated, &handleDue, &closed); err != nil {
		return err
	}
	c.Channel, c.State = urban.Channel(channel), urban.State(state)
	c.ReportedAt, c.UpdatedAt = fromMs(reported), fromMs(updated)
	c.HandleDue, c.ClosedAt = fromNullMs(handleDue), fromNullMs(closed)
	return nil
}

// insertCase inserts a case: the values of caseArgs.
var insertCase = `INSERT INTO cases (` + caseColumns + `) VALUES (` + placeholders(strings.Count(caseColumns, ",")+1) + `)`

// updateCase updates every column of a case but id and number, at the version before:
// the values of caseArgs after those two, then the ID and the version before.
var updateCase = func() string {
	cols := strings.Split(caseColumns, ",")
	if strings.TrimSpace(cols[0]) != "id" || strings.TrimSpace(cols[1]) != "number" {
		panic("caseColumns must begin with id, number")
	}
	var set []string
	for i, col := range cols[2:] {
		set = append(set, fmt.Sprintf("%s = $%d", strings.TrimSpace(col), i+1))
	}
	n := len(set)
	return `UPDATE cases SET ` + strings.Join(set, ", ") + fmt.Sprintf(` WHERE id = $%d AND version = $%d`, n+1, n+2)
}()

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}

// CreateCase implements urban.Store.
func (s *UrbanStore) CreateCase(ctx context.Context, c *urban.Case, contact urban.Contact, ev urban.Event,
	atts []urban.Attachment, recs []ledger.Record) error {
	year := c.ReportedAt.In(calendar.Location()).Year()
	return s.db.Transact(ctx, func(q Querier) error {
		var n int64
		err := q.QueryRowContext(ctx, `INSERT INTO case_counters (year, value) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET value = case_counters.value + 1 RETURNING value`, year).Scan(&n)
		if err != nil {
			return mapErr(err, "")
		}
		c.Number = fmt.Sprintf("%d-%06d", year, n)
		args, err := caseArgs(c)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, insertCase, args...); err != nil {
			return mapErr(err, "case.duplicate_submission")
		}
		if err := writeFacts(ctx, q, c, nil); err != nil {
			return err
		}
		if !contact.Empty() {
			if _, err := q.ExecContext(ctx, `INSERT INTO case_contacts (case_id, name, phone, email) VALUES ($1, $2, $3, $4)`,
				c.ID, contact.Name, contact.Phone, contact.Email); err != nil {
				return mapErr(err, "")
			}
		}
		return writeCaseChange(ctx, q, []urban.Event{ev}, atts, recs)
	})
}

// UpdateCase implements urban.Store.
func (s *UrbanStore) UpdateCase(ctx context.Context, c *urban.Case, evs []urban.Event, atts []urban.Attachment,
	recs []ledger.Record) error {
	args, err := caseArgs(c)
	if err != nil {
		return err
	}
	// Every column but id and number, which never change: caseColumns begins with them.
	vals := append(args[2:], c.ID, c.Version-1)
	return s.db.Transact(ctx, func(q Querier) error {
		// The facts rows the case has now are keyed by what it holds now.
		was, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = $1`, c.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.Conflict, "case.changed_meanwhile") // as the versioned UPDATE would say
		} else if err != nil {
			return mapErr(err, "")
		}
		res, err := q.ExecContext(ctx, updateCase, vals...)
		if err != nil {
			return mapErr(err, "")
		}
		if n, err := res.RowsAffected(); err != nil {
			return mapErr(err, "")
		} else if n == 0 {
			return apperr.New(apperr.Conflict, "case.changed_meanwhile")
		}
		if err := writeFacts(ctx, q, c, was); err != nil {
			return err
		}
		return writeCaseChange(ctx, q, evs, atts, recs)
	})
}

// Facts buckets (migration 00009): weeks of Asia/Shanghai days, in Unix ms.
const (
	factsOffset = 8 * 60 * 60 * 1000
	factsWidth  = 7 * 24 * 60 * 60 * 1000
)

// factsBucket is the bucket of an instant in Unix ms.
func factsBucket(at int64) int64 { return (at + factsOffset) / factsWidth }

// caseFacts are the keys and the bit masks of a case's case_facts rows: one row per
// bucket that one of its instants falls in, in the order of the instants.
type caseFacts struct {
	inspector string
	buckets   []int64
	here      map[int64]int
}

func factsOf(c *urban.Case) caseFacts {
	f := caseFacts{here: map[int64]int{}}
	if c.Channel == urban.ChannelInspector {
		f.inspector = c.ReporterID
	}
	// The bits of here are in the order of the column's comment (migration 00009).
	for i, t := range []time.Time{c.ReportedAt, c.FiledAt, c.DispatchedAt, c.HandleDue, c.HandledAt, c.ClosedAt} {
		if t.IsZero() {
			continue
		}
		b := factsBucket(ms(t))
		if _, ok := f.here[b]; !ok {
			f.buckets = append(f.buckets, b)
		}
		f.here[b] |= 1 << i
	}
	return f
}

// writeFacts keeps the indicators' rows of a case (case_facts) in step with the case.
// was, when set, is what the case held before (its instants and grouping keys): the
// rows it had are deleted by their whole key.
func writeFacts(ctx context.Context, q Querier, c *urban.Case, was *urban.Case) error {
	if was != nil {
		old := factsOf(was)
		for _, b := range old.buckets {
			if _, err := q.ExecContext(ctx, `DELETE FROM case_facts WHERE bucket = $1 AND unit_id = $2 AND department_id = $3
				AND grid_code = $4 AND inspector_id = $5 AND case_id = $6`,
				b, was.UnitID, was.DepartmentID, was.GridCode, old.inspector, was.ID); err != nil {
				return mapErr(err, "")
			}
		}
	}
	flag := func(ok bool) int {
		if ok {
			return 1
		}
		return 0
	}
	onTime := !c.HandledAt.IsZero() && !c.HandleDue.IsZero() && !c.HandledAt.After(c.HandleDue)
	late := !c.HandledAt.IsZero() && !c.HandleDue.IsZero() && c.HandledAt.After(c.HandleDue)
	f := factsOf(c)
	for _, b := range f.buckets {
		if _, err := q.ExecContext(ctx, `INSERT INTO case_facts (bucket, case_id, here, reported_at, filed_at,
			dispatched_at, handle_due, handled_at, closed_at, reworked, extended, on_time, handled_late, department_id,
			unit_id, grid_code, inspector_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			b, c.ID, f.here[b], ms(c.ReportedAt), nullMs(c.FiledAt), nullMs(c.DispatchedAt), nullMs(c.HandleDue),
			nullMs(c.HandledAt), nullMs(c.ClosedAt), flag(c.Reworks > 0), flag(c.Extensions > 0), flag(onTime), flag(late),
			c.DepartmentID, c.UnitID, c.GridCode, f.inspector); err != nil {
			return mapErr(err, "")
		}
	}
	return nil
}

func writeCaseChange(ctx context.Context, q Querier, evs []urban.Event, atts []urban.Attachment, recs []ledger.Record) error {
	for _, ev := range evs {
		if _, err := q.ExecContext(ctx, `INSERT INTO case_events (id, case_id, at, actor_id, role, unit_id, move,
			from_state, to_state, note, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			ev.ID, ev.CaseID, ms(ev.At), ev.ActorID, string(ev.Role), ev.UnitID, string(ev.Move), string(ev.From),
			string(ev.To), ev.Note, ev.Public); err != nil {
			return mapErr(err, "")
		}
	}
	for _, a := range atts {
		if _, err := q.ExecContext(ctx, `INSERT INTO case_attachments (id, case_id, sha256, stage, kind, media_type,
			size, name, captured_at, has_gps, lon, lat, by_account, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			a.ID, a.CaseID, a.SHA256, a.Stage, a.Kind, a.MediaType, a.Size, a.Name, nullMs(a.CapturedAt), a.HasGPS,
			a.Lon, a.Lat, a.By, ms(a.At)); err != nil {
			return mapErr(err, "")
		}
	}
	for _, r := range recs {
		if _, err := appendLedger(ctx, q, r); err != nil {
			return err
		}
	}
	return nil
}

// AppendLedgerOnly implements urban.Store.
func (s *UrbanStore) AppendLedgerOnly(ctx context.Context, recs []ledger.Record) error {
	return s.db.Transact(ctx, func(q Querier) error {
		for _, r := range recs {
			if _, err := appendLedger(ctx, q, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *UrbanStore) oneCase(ctx context.Context, cond string, args ...any) (*urban.Case, error) {
	c, err := scanCase(s.db.Reader().QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+cond, args...))
	if err != nil {
		return nil, mapErr(err, "case.not_found")
	}
	return c, nil
}

// CaseByID implements urban.Store.
func (s *UrbanStore) CaseByID(ctx context.Context, id string) (*urban.Case, error) {
	return s.oneCase(ctx, `id = $1`, id)
}

// CaseByNumber implements urban.Store.
func (s *UrbanStore) CaseByNumber(ctx context.Context, number string) (*urban.Case, error) {
	return s.oneCase(ctx, `number = $1`, number)
}

// CaseByClientID implements urban.Store.
func (s *UrbanStore) CaseByClientID(ctx context.Context, reporterKey, clientID string) (*urban.Case, error) {
	return s.oneCase(ctx, `reporter_key = $1 AND client_id = $2 AND client_id <> ''`, reporterKey, clientID)
}

// openStatesSQL selects the open cases — every state but the terminal ones — as the
// partial index cases_open (migration 00015) is defined, to the letter, so that the
// planner can use it: a partial index serves only a query that carries its condition.
var openStatesSQL = func() string {
	var terminal []string
	for _, st := range urban.States() {
		if st.Terminal() {
			terminal = append(terminal, "'"+string(st)+"'")
		}
	}
	return "state NOT IN (" + strings.Join(terminal, ", ") + ")"
}()

// isOpenStates reports whether states, duplicates aside, are exactly the open ones.
func isOpenStates(states []urban.State) bool {
	if len(states) == 0 {
		return false
	}
	for _, st := range states {
		if st.Terminal() {
			return false
		}
	}
	for _, st := range urban.States() {
		if !st.Terminal() && !slices.Contains(states, st) {
			return false
		}
	}
	return true
}

// caseWhere adds the conditions of a filter to w.
func caseWhere(w *where, f urban.Filter) {
	if f.Scope.All {
		// whole tree
	} else if len(f.Scope.Paths) == 0 {
		w.add("1=0")
	} else {
		var ors []string
		for _, p := range f.Scope.Paths {
			a := w.arg(p + "%")
			ors = append(ors, "unit_path LIKE "+a, "department_path LIKE "+a)
		}
		w.add("(" + strings.Join(ors, " OR ") + ")")
	}
	if isOpenStates(f.States) {
		w.add(openStatesSQL)
	} else if len(f.States) > 0 {
		var in []string
		for _, st := range f.States {
			in = append(in, w.arg(string(st)))
		}
		w.add("state IN (" + strings.Join(in, ", ") + ")")
	}
	if f.Channel != "" {
		w.add("channel = " + w.arg(string(f.Channel)))
	}
	if f.CategoryID != "" {
		w.add("category_id = " + w.arg(f.CategoryID))
	}
	if len(f.CategoryIDs) > 0 {
		var in []string
		for _, id := range f.CategoryIDs {
			in = append(in, w.arg(id))
		}
		w.add("category_id IN (" + strings.Join(in, ", ") + ")")
	}
	if len(f.Numbers) > 0 {
		var in []string
		for _, n := range f.Numbers {
			in = append(in, w.arg(n))
		}
		w.add("number IN (" + strings.Join(in, ", ") + ")")
	}
	if f.DepartmentID != "" {
		w.add("department_id = " + w.arg(f.DepartmentID))
	}
	if f.UnitPath != "" {
		w.add("unit_path LIKE " + w.arg(f.UnitPath+"%"))
	}
	if f.ReporterID != "" {
		w.add("reporter_id = " + w.arg(f.ReporterID))
	}
	if f.Overdue {
		w.add("stage_due IS NOT NULL AND stage_due < " + w.arg(ms(f.Now)))
	}
	if f.Pending {
		w.add("pending <> ''")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := w.arg(likeArg(t))
		w.add("(number LIKE " + p + ` ESCAPE '\' OR LOWER(description) LIKE ` + p + ` ESCAPE '\' OR LOWER(address) LIKE ` + p + ` ESCAPE '\')`)
	}
	if !f.From.IsZero() {
		w.add("reported_at >= " + w.arg(ms(f.From)))
	}
	if !f.To.IsZero() {
		w.add("reported_at < " + w.arg(ms(f.To)))
	}
}

// ListCases implements urban.Store: newest first, keyset-paged by After — or, for the
// overdue list, the most overdue first. A list of several states is read as one ordered
// arm per state, each bounded by the page, merged: every arm walks its (state, time)
// index in order and stops early, where one scan of all the states would have to sort
// every matching case first (at a million cases, tens of thousands of open ones). The
// list of every open state, the public one, has an index of its own (cases_open) and is
// one ordered scan.
func (s *UrbanStore) ListCases(ctx context.Context, f urban.Filter) ([]urban.Case, error) {
	order := "reported_at DESC, id DESC"
	cols, scan := caseColumns, scanCaseInto
	if f.Public {
		cols, scan = publicCaseColumns, scanPublicCase
	}
	if f.Overdue {
		order = "stage_due, id"
	}
	var states []urban.State
	for _, st := range f.States {
		if !slices.Contains(states, st) {
			states = append(states, st)
		}
	}
	w := &where{}
	// arm is the query of the first n cases of one state (or of all), in order, selecting cols.
	arm := func(g urban.Filter, cols string, n int) (string, error) {
		a := &where{args: w.args}
		caseWhere(a, g)
		if g.After != "" {
			var at int64
			var due sql.NullInt64
			if err := s.db.Reader().QueryRowContext(ctx, `SELECT reported_at, stage_due FROM cases WHERE id = $1`, g.After).
				Scan(&at, &due); err != nil {
				return "", mapErr(err, "case.not_found")
			}
			if g.Overdue {
				a.add(fmt.Sprintf("(stage_due > %s OR (stage_due = %s AND id > %s))", a.arg(due.Int64), a.arg(due.Int64), a.arg(g.After)))
			} else {
				a.add(fmt.Sprintf("(reported_at < %s OR (reported_at = %s AND id < %s))", a.arg(at), a.arg(at), a.arg(g.After)))
			}
		}
		q := `SELECT ` + cols + ` FROM cases` + a.sql() + ` ORDER BY ` + order + limit(n)
		w.args = a.args
		return q, nil
	}
	offset := func() string {
		if f.Offset > 0 {
			return ` OFFSET ` + w.arg(f.Offset)
		}
		return ""
	}
	if len(states) <= 1 || (isOpenStates(states) && !f.Overdue) {
		// One arm is the page itself; every open state is one ordered scan of the open
		// cases' index (migration 00015).
		g := f
		g.States, g.Offset = states, 0
		q, err := arm(g, cols, f.Limit)
		if err != nil {
			return nil, err
		}
		rows, err := s.db.Reader().QueryContext(ctx, q+offset(), w.args...)
		if err != nil {
			return nil, mapErr(err, "")
		}
		return collectCases(rows, scan)
	}
	// Several states: the arms select only the keys of the order, the page's IDs are
	// merged from them, and then only those rows are read whole.
	var arms []string
	for i, st := range states {
		g := f
		g.States = []urban.State{st}
		keys := "id, reported_at"
		if f.Overdue {
			keys = "id, stage_due"
		}
		q, err := arm(g, keys, f.Limit+f.Offset)
		if err != nil {
			return nil, err
		}
		arms = append(arms, `SELECT * FROM (`+q+`) AS s`+strconv.Itoa(i))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM (`+strings.Join(arms, " UNION ALL ")+`) AS c ORDER BY `+
		order+limit(f.Limit)+offset(), w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	var pageIDs []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, mapErr(err, "")
		}
		pageIDs = append(pageIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "")
	}
	if len(pageIDs) == 0 {
		return nil, nil
	}
	var iw where
	var in []string
	for _, id := range pageIDs {
		in = append(in, iw.arg(id))
	}
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT `+cols+` FROM cases WHERE id IN (`+strings.Join(in, ", ")+`)`, iw.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	got, err := collectCases(rows, scan)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(got))
	for i := range got {
		byID[got[i].ID] = i
	}
	out := make([]urban.Case, 0, len(pageIDs))
	for _, id := range pageIDs {
		if i, ok := byID[id]; ok {
			out = append(out, got[i])
		}
	}
	return out, nil
}

func collectCases(rows *sql.Rows, scan func(rowScanner, *urban.Case) error) ([]urban.Case, error) {
	defer rows.Close()
	var out []urban.Case
	for rows.Next() {
		out = append(out, urban.Case{})
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, mapErr(err, "")
		}
	}
	return out, mapErr(rows.Err(), "")
}

// CountCases implements urban.Store.
func (s *UrbanStore) CountCases(ctx context.Context, f urban.Filter) (int, error) {
	w := &where{}
	caseWhere(w, f)
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`+w.sql(), w.args...).Scan(&n)
	return n, mapErr(err, "")
}

// Events implements urban.Store.
func (s *UrbanStore) Events(ctx context.Context, caseID string) ([]urban.Event, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, case_id, at, actor_id, role, unit_id, move, from_state,
		to_state, note, public FROM case_events WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []urban.Event
	for rows.Next() {
		var e urban.Event
		var at int64
		var role, move, from, to string
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.ActorID, &role, &e.UnitID, &move, &from, &to, &e.Note, &e.Public); err != nil {
			return nil, mapErr(err, "")
		}
		e.At, e.Role, e.Move, e.From, e.To = fromMs(at), identity.Role(role), urban.Move(move), urban.State(from), urban.State(to)
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "")
}

// Attachments implements urban.Store.
func (s *UrbanStore) Attachments(ctx context.Context, caseID string) ([]urban.Attachment, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, case_id, sha256, stage, kind, media_type, size, name,
		captured_at, has_gps, lon, lat, by_account, at FROM case_attachments WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []urban.Attachment
	for rows.Next() {
		var a urban.Attachment
		var captured sql.NullInt64
		var at int64
		if err := rows.Scan(&a.ID, &a.CaseID, &a.SHA256, &a.Stage, &a.Kind, &a.MediaType, &a.Size, &a.Name, &captured,
			&a.HasGPS, &a.Lon, &a.Lat, &a.By, &at); err != nil {
			return nil, mapErr(err, "")
		}
		a.CapturedAt, a.At = fromNullMs(captured), fromMs(at)
		out = append(out, a)
	}
	return out, mapErr(rows.Err(), "")
}

// ContactOf implements urban.Store; a case without contact details has the zero Contact.
func (s *UrbanStore) ContactOf(ctx context.Context, caseID string) (urban.Contact, error) {
	var c urban.Contact
	err := s.db.Reader().QueryRowContext(ctx, `SELECT name, phone, email FROM case_contacts WHERE case_id = $1`, caseID).
		Scan(&c.Name, &c.Phone, &c.Email)
	if err == sql.ErrNoRows {
		return urban.Contact{}, nil
	}
	return c, mapErr(err, "")
}

// Nearby implements urban.Store. The category's index carries the point (migration
// 00014): its entries of the window are scanned newest first with the box tested in the
// index, and only the rows inside the box are read. The cost follows the category's
// reports within the window (a few hundred in three days in a large city), not the size
// of the city's history.
func (s *UrbanStore) Nearby(ctx context.Context, categoryID string, since time.Time, minLon, minLat, maxLon, maxLat float64,
	n int) ([]urban.Case, error) {
	var w where
	w.add("category_id = " + w.arg(categoryID))
	w.add("reported_at >= " + w.arg(ms(since)))
	w.add("lon BETWEEN " + w.arg(minLon) + " AND " + w.arg(maxLon))
	w.add("lat BETWEEN " + w.arg(minLat) + " AND " + w.arg(maxLat))
	w.add(openStatesSQL)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.sql()+
		` ORDER BY reported_at DESC`+limit(n), w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	return collectCases(rows, scanCaseInto)
}

// PublicEvents implements urban.Store.
func (s *UrbanStore) PublicEvents(ctx context.Context, from, to time.Time, n, offset int) ([]urban.NumberedEvent, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id, e.case_id, e.at, e.actor_id, e.role, e.unit_id, e.move,
		e.from_state, e.to_state, e.note, e.public, c.number
		FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE e.public AND e.at >= $1 AND e.at < $2 ORDER BY e.at, e.id`+limit(n)+` OFFSET $3`,
		ms(from), ms(to), offset)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []urban.NumberedEvent
	for rows.Next() {
		var e urban.NumberedEvent
		var at int64
		var role, move, fromState, toState string
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.ActorID, &role, &e.UnitID, &move, &fromState, &toState, &e.Note,
			&e.Public, &e.Number); err != nil {
			return nil, mapErr(err, "")
		}
		e.At, e.Role, e.Move = fromMs(at), identity.Role(role), urban.Move(move)
		e.From, e.To = urban.State(fromState), urban.State(toState)
		out = append(out, e)
	}
	return out, mapErr(rows.Err(), "")
}

// Due implements urban.Store.
func (s *UrbanStore) Due(ctx context.Context, before time.Time, n int) ([]urban.Case, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+caseColumns+` FROM cases
		WHERE stage_due IS NOT NULL AND stage_due < $1 AND escalated_at IS NULL
		ORDER BY stage_due`+limit(n), ms(before))
	if err != nil {
		return nil, mapErr(err, "")
	}
	return collectCases(rows, scanCaseInto)
}

var _ urban.IndicatorStore = (*UrbanStore)(nil)

// CountBy implements urban.IndicatorStore with grouped scans of the case_facts rows of
// the buckets the period spans. A case has a row in each bucket one of its instants falls
// in, so each count is taken only in the row where the instant that puts the case in it
// (its anchor) is "here": a case is counted once however many rows it has. Buckets wholly
// inside the period need no test of the instants' times (an instant here is in the
// period); only the first and last bucket do, in a second scan. Rows are grouped in
// the order of the table's key, down to the dimension's column, so no scan sorts; the
// groups of each bucket are added up here.
func (s *UrbanStore) CountBy(ctx context.Context, column string, from, to, now time.Time, scope identity.Scope) (urban.GroupCounts, error) {
	// The key's columns after bucket (migration 00009), down to the dimension's.
	groupBy := []string{"bucket", "unit_id", "department_id", "grid_code", "inspector_id"}
	key := column
	switch column {
	case "unit_id":
		groupBy = groupBy[:2]
	case "department_id":
		groupBy = groupBy[:3]
	case "grid_code":
		groupBy = groupBy[:4]
	case "reporter_id":
		key = "inspector_id"
	default:
		return nil, apperr.Internalf("indicators by %q", column)
	}
	end := to
	if now.Before(end) {
		end = now
	}
	lo, hi := factsBucket(ms(from)), factsBucket(ms(to)-1)
	// query counts the rows of buckets [b0, b1]: inner ones (wholly inside the period:
	// the mask says which instants are in it) or the period's first or last (each
	// instant tested against the period).
	query := func(inner bool, b0, b1 int64) (string, []any) {
		var w where
		f, t, lateBy := w.arg(ms(from)), w.arg(ms(to)), w.arg(ms(end))
		in := func(col string) string { return "(" + col + " >= " + f + " AND " + col + " < " + t + ")" }
		// at: the instant col is here and in the period.
		at := func(col string, bit int) string {
			here := "(here & " + strconv.Itoa(bit) + ") <> 0"
			if inner {
				return "(" + here + ")"
			}
			return "(" + here + " AND " + in(col) + ")"
		}
		due, handled, closed := at("handle_due", 8), at("handled_at", 16), at("closed_at", 32)
		dueOut := "(handle_due IS NULL OR handle_due < " + f + " OR handle_due >= " + t + ")"
		// 应结案 and 应处置: the handling deadline in the period, else closure (handling)
		// in it — anchored at the deadline when it is in the period.
		dueClose := "(" + due + " OR (" + closed + " AND " + dueOut + "))"
		isClosed := "((" + due + " AND closed_at < " + t + ") OR (" + closed + " AND " + dueOut + "))"
		dueHandle := "(" + due + " OR (" + handled + " AND " + dueOut + "))"
		isHandled := "((" + due + " AND handled_at < " + t + ") OR (" + handled + " AND " + dueOut + "))"
		count := func(cond string) string { return "COUNT(*) FILTER (WHERE " + cond + ")" }
		sel := strings.Join([]string{
			count(at("reported_at", 1)),
			count(at("reported_at", 1) + " AND filed_at IS NOT NULL"),
			count(at("filed_at", 2)),
			count(at("dispatched_at", 4)),
			count(dueClose),
			count(isClosed),
			count(isClosed + " AND on_time = 1"),
			count(dueHandle),
			count(isHandled),
			count(dueHandle + " AND (handled_late = 1 OR (handled_at IS NULL AND handle_due < " + lateBy + "))"),
			count(at("dispatched_at", 4) + " AND reworked = 1"),
			count(at("dispatched_at", 4) + " AND extended = 1"),
		}, ", ")
		w.add("bucket >= " + w.arg(b0) + " AND bucket <= " + w.arg(b1))
		if !inner {
			// Rows of cases with no instant in the period are no group's business.
			w.add("(" + strings.Join([]string{in("reported_at"), in("filed_at"), in("dispatched_at"), in("handle_due"),
				in("handled_at"), in("closed_at")}, " OR ") + ")")
		}
		// A case is in scope when its community or its department is: the rows hold unit
		// IDs, and the units table says which lie under the scope's roots.
		if !scope.All {
			var ors []string
			for _, p := range scope.Paths {
				under := "(SELECT CAST(id AS TEXT) FROM units WHERE path LIKE " + w.arg(p+"%") + ")"
				ors = append(ors, "unit_id IN "+under, "department_id IN "+under)
			}
			if len(ors) == 0 {
				ors = []string{"1=0"}
			}
			w.add("(" + strings.Join(ors, " OR ") + ")")
		}
		if key == "inspector_id" {
			w.add("inspector_id <> ''")
		}
		return `SELECT ` + key + `, ` + sel + ` FROM case_facts` + w.sql() + ` GROUP BY ` + strings.Join(groupBy, ", "), w.args
	}
	// The period's buckets are read in parts at once, each on a reader of its own: the
	// first and the last bucket, and the inner ones in up to countParts runs. A month
	// read from disk then waits on several reads at a time, not one page after another,
	// and the counting uses every core.
	type part struct {
		inner  bool
		b0, b1 int64
	}
	parts := []part{{false, lo, lo}}
	if hi != lo {
		parts = append(parts, part{false, hi, hi})
	}
	if n := hi - lo - 1; n > 0 {
		k := min(n, countParts)
		for i := range k {
			parts = append(parts, part{true, lo + 1 + n*i/k, lo + n*(i+1)/k})
		}
	}
	sums := make([]urban.GroupCounts, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(countParts)
	for i, p := range parts {
		g.Go(func() error {
			q, args := query(p.inner, p.b0, p.b1)
			sums[i] = urban.GroupCounts{}
			return s.sumGroups(gctx, sums[i], q, args)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := urban.GroupCounts{}
	for _, sum := range sums {
		for k, c := range sum {
			total := out[k]
			total.Add(c)
			out[k] = total
		}
	}
	return out, nil
}

// countParts is how many runs of inner buckets a period's counts are split into, and
// how many parts CountBy reads at once.
const countParts = 4

// sumGroups adds the counts query q finds to out, by the group key it selects first.
func (s *UrbanStore) sumGroups(ctx context.Context, out urban.GroupCounts, q string, args []any) error {
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return mapErr(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var c urban.Counts
		if err := rows.Scan(&key, &c.Reported, &c.Valid, &c.Filed, &c.Dispatched, &c.DueForClosure, &c.Closed,
			&c.ClosedOnTime, &c.DueForHandling, &c.Handled, &c.Late, &c.Reworked, &c.Extended); err != nil {
			return mapErr(err, "")
		}
		g := out[key]
		g.Add(c)
		out[key] = g
	}
	return mapErr(rows.Err(), "")
}

// ImportCases inserts cases that happened elsewhere — a migration from another system or
// synthetic load for benchmarks — with their history, in one transaction: each case gets
// its number from its year's counter and one ledger record (rec builds it from the case
// with its number). Contacts and attachments are not imported.
func (s *UrbanStore) ImportCases(ctx context.Context, cases []urban.Case, events [][]urban.Event,
	rec func(*urban.Case) (ledger.Record, error)) error {
	return s.db.Transact(ctx, func(q Querier) error {
		next := map[int]int64{}
		for i := range cases {
			c := &cases[i]
			year := c.ReportedAt.In(calendar.Location()).Year()
			if _, ok := next[year]; !ok {
				var n int64
				err := q.QueryRowContext(ctx, `SELECT value FROM case_counters WHERE year = $1`, year).Scan(&n)
				if err != nil && err != sql.ErrNoRows {
					return mapErr(err, "")
				}
				next[year] = n
			}
			next[year]++
			c.Number = fmt.Sprintf("%d-%06d", year, next[year])
			args, err := caseArgs(c)
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, insertCase, args...); err != nil {
				return mapErr(err, "")
			}
			if err := writeFacts(ctx, q, c, nil); err != nil {
				return err
			}
			for _, ev := range events[i] {
				if _, err := q.ExecContext(ctx, `INSERT INTO case_events (id, case_id, at, actor_id, role, unit_id, move,
					from_state, to_state, note, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					ev.ID, ev.CaseID, ms(ev.At), ev.ActorID, string(ev.Role), ev.UnitID, string(ev.Move), string(ev.From),
					string(ev.To), ev.Note, ev.Public); err != nil {
					return mapErr(err, "")
				}
			}
			r, err := rec(c)
			if err != nil {
				return err
			}
			if _, err := appendLedger(ctx, q, r); err != nil {
				return err
			}
		}
		for year, n := range next {
			if _, err := q.ExecContext(ctx, `INSERT INTO case_counters (year, value) VALUES ($1, $2)
				ON CONFLICT (year) DO UPDATE SET value = $2`, year, n); err != nil {
				return mapErr(err, "")
			}
		}
		return nil
	})
}

// EachCase implements urban.Store: the cases of a filter newest first, one cursor,
// without a page limit, for exports.
func (s *UrbanStore) EachCase(ctx context.Context, f urban.Filter, fn func(*urban.Case) error) error {
	w := &where{}
	caseWhere(w, f)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.sql()+` ORDER BY reported_at DESC, id DESC`, w.args...)
	if err != nil {
		return mapErr(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return mapErr(err, "")
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "")
}

// trackingKeyName names the installation key of the resident tracking secrets.
const trackingKeyName = "tracking"

// TrackingKey implements urban.TrackingKeys with the installation key "tracking".
func (s *UrbanStore) TrackingKey(ctx context.Context) ([]byte, error) {
	return s.db.InstallationKey(ctx, trackingKeyName)
}
