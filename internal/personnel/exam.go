package personnel

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
)

// Question is one question of the legal-knowledge question bank (法律知识题库).
type Question struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	Options   []string  `json:"options"`
	Answer    int       `json:"answer"` // index into Options
	Field     string    `json:"field,omitempty"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Candidate is a person who must sit a paper, and why.
type Candidate struct {
	PersonID string `json:"person_id"`
	Reason   string `json:"reason"` // "mandatory" (squad head, legal officer) or "sampled"
}

// Paper is one sitting of the legal-knowledge exam (法律知识考试) for a unit's
// staff: its questions and its candidates, drawn with a recorded seed.
type Paper struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Date        Date        `json:"date,omitzero"`
	UnitID      string      `json:"unit_id"`
	UnitPath    string      `json:"unit_path"`
	QuestionIDs []string    `json:"question_ids"`
	SamplePct   int         `json:"sample_pct"` // share of the other staff drawn, 1–100
	Seed        uint64      `json:"seed"`       // the draw's seed: the same seed draws the same sample
	Candidates  []Candidate `json:"candidates"`
	Version     int         `json:"version"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Score is a candidate's score on a paper.
type Score struct {
	ID        string    `json:"id"`
	PaperID   string    `json:"paper_id"`
	PersonID  string    `json:"person_id"`
	Score     int       `json:"score"` // 0–100
	Passed    bool      `json:"passed"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PassMark is the lowest passing score.
const PassMark = 60

// mustSit reports the posts that sit every exam: squad heads and legal officers.
func mustSit(p Person) bool { return p.Post == PostSquadHead || p.Post == PostLegalOfficer }

// Draw picks the candidates of a paper from the staff on day: everyone who
// must sit, plus pct percent (rounded up) of the others — team members and
// auxiliary staff — drawn at random with seed. The draw depends only on the
// set of people, the seed and pct (people are ordered by ID first), so the
// recorded seed reproduces it.
func Draw(people []Person, day Date, seed uint64, pct int) []Candidate {
	sorted := append([]Person(nil), people...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var out []Candidate
	var pool []string
	for _, p := range sorted {
		if !p.Active(day) {
			continue
		}
		if mustSit(p) && !p.StaffType.Auxiliary() {
			out = append(out, Candidate{PersonID: p.ID, Reason: "mandatory"})
		} else {
			pool = append(pool, p.ID)
		}
	}
	n := (len(pool)*pct + 99) / 100
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	picked := append([]string(nil), pool[:n]...)
	sort.Strings(picked)
	for _, id := range picked {
		out = append(out, Candidate{PersonID: id, Reason: "sampled"})
	}
	return out
}

// NewSeed returns a random seed for a draw.
func NewSeed() uint64 {
	var b [8]byte
	_, _ = crand.Read(b[:]) // never fails on supported platforms
	return binary.LittleEndian.Uint64(b[:])
}

// SaveQuestion adds a question to the bank or updates one.
func (s *Service) SaveQuestion(ctx context.Context, actor *identity.Actor, q Question) (Question, error) {
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.Resource{}).Err(); err != nil {
		return Question{}, err
	}
	q.Text = strings.TrimSpace(q.Text)
	var bad []apperr.FieldError
	bad = required(bad, q.Text != "", "text")
	if len(q.Options) < 2 || len(q.Options) > 8 {
		bad = append(bad, apperr.Field("options", "personnel.options_invalid"))
	}
	if q.Answer < 0 || q.Answer >= len(q.Options) {
		bad = append(bad, apperr.Field("answer", "personnel.answer_invalid"))
	}
	if len(bad) > 0 {
		return Question{}, apperr.InvalidFields(bad...)
	}
	prevV, prev, err := prevDoc[Question](ctx, s.store, KindQuestion, q.ID, q.Version)
	if err != nil {
		return Question{}, err
	}
	if prev == nil {
		q.ID = s.newID()
	}
	d := Doc{Kind: KindQuestion, ID: q.ID, Tag: q.Field}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &q); err != nil {
		return q, err
	}
	return q, nil
}

// Questions lists the question bank.
func (s *Service) Questions(ctx context.Context, actor *identity.Actor) ([]Question, error) {
	if err := identity.Decide(actor, identity.ActPersonnelView, identity.Resource{}).Err(); err != nil {
		return nil, err
	}
	return load[Question](ctx, s.store, KindQuestion, "")
}

// CreatePaper sets a paper for the staff of a unit's subtree and draws its
// candidates. A zero Seed draws a fresh one; the seed is stored with the
// paper, so Redraw with it gives the same candidates.
func (s *Service) CreatePaper(ctx context.Context, actor *identity.Actor, p Paper) (Paper, error) {
	path, err := s.unit(ctx, p.UnitID)
	if err != nil {
		return Paper{}, err
	}
	p.Title = strings.TrimSpace(p.Title)
	var bad []apperr.FieldError
	bad = required(bad, p.Title != "", "title")
	bad = required(bad, p.UnitID != "", "unit_id")
	bad = required(bad, !isZero(p.Date), "date")
	if p.SamplePct < 1 || p.SamplePct > 100 {
		bad = append(bad, apperr.Field("sample_pct", "personnel.sample_pct_invalid"))
	}
	for _, qid := range p.QuestionIDs {
		if _, err := s.store.Doc(ctx, KindQuestion, qid); err != nil {
			bad = append(bad, apperr.Field("question_ids", "personnel.question_unknown"))
			break
		}
	}
	if len(bad) > 0 {
		return Paper{}, apperr.InvalidFields(bad...)
	}
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(path)).Err(); err != nil {
		return Paper{}, err
	}
	if p.Seed == 0 {
		p.Seed = NewSeed()
	}
	p.UnitPath = path
	p.ID = s.newID()
	people, err := s.staffUnder(ctx, path)
	if err != nil {
		return Paper{}, err
	}
	p.Candidates = Draw(people, p.Date, p.Seed, p.SamplePct)
	d := Doc{Kind: KindPaper, ID: p.ID, Owner: p.UnitID, UnitPath: path, From: p.Date.String()}
	if err := s.saveDoc(ctx, actor, d, 0, nil, &p); err != nil {
		return p, err
	}
	return p, nil
}

// Redraw repeats a paper's draw from its recorded seed over today's roster
// (for an audit: with the same people it gives the same candidates).
func (s *Service) Redraw(ctx context.Context, actor *identity.Actor, paperID string) ([]Candidate, error) {
	d, err := s.store.Doc(ctx, KindPaper, paperID)
	if err != nil {
		return nil, err
	}
	ps, err := decodeDocs[Paper]([]Doc{d})
	if err != nil {
		return nil, err
	}
	p := ps[0]
	if err := identity.Decide(actor, identity.ActPersonnelView, identity.InUnit(p.UnitPath)).Err(); err != nil {
		return nil, err
	}
	people, err := s.staffUnder(ctx, p.UnitPath)
	if err != nil {
		return nil, err
	}
	return Draw(people, p.Date, p.Seed, p.SamplePct), nil
}

func (s *Service) staffUnder(ctx context.Context, path string) ([]Person, error) {
	rows, _, err := s.store.People(ctx, Filter{Paths: []string{path}})
	if err != nil {
		return nil, err
	}
	out := make([]Person, len(rows))
	for i, r := range rows {
		out[i] = r.Person
	}
	return out, nil
}

// Papers lists the papers the actor may see.
func (s *Service) Papers(ctx context.Context, actor *identity.Actor) ([]Paper, error) {
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelView)
	if err := d.Err(); err != nil {
		return nil, err
	}
	docs, err := s.store.DocsIn(ctx, KindPaper, scope.All, scope.Paths)
	if err != nil {
		return nil, err
	}
	return decodeDocs[Paper](docs)
}

// RecordScore records a candidate's score on a paper.
func (s *Service) RecordScore(ctx context.Context, actor *identity.Actor, paperID, personID string, score int) (Score, error) {
	d, err := s.store.Doc(ctx, KindPaper, paperID)
	if err != nil {
		return Score{}, err
	}
	ps, err := decodeDocs[Paper]([]Doc{d})
	if err != nil {
		return Score{}, err
	}
	p := ps[0]
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(p.UnitPath)).Err(); err != nil {
		return Score{}, err
	}
	found := false
	for _, c := range p.Candidates {
		found = found || c.PersonID == personID
	}
	if !found {
		return Score{}, apperr.InvalidFields(apperr.Field("person_id", "personnel.not_candidate"))
	}
	if score < 0 || score > 100 {
		return Score{}, apperr.InvalidFields(apperr.Field("score", "personnel.score_invalid"))
	}
	sc := Score{ID: paperID + ":" + personID, PaperID: paperID, PersonID: personID, Score: score, Passed: score >= PassMark}
	prevV := 0
	var prev *Score
	if old, err := s.store.Doc(ctx, KindScore, sc.ID); err == nil {
		olds, err := decodeDocs[Score]([]Doc{old})
		if err != nil {
			return Score{}, err
		}
		prevV, prev = old.Version, &olds[0]
	}
	doc := Doc{Kind: KindScore, ID: sc.ID, Owner: paperID, Ref: personID, UnitPath: p.UnitPath, From: p.Date.String()}
	if err := s.saveDoc(ctx, actor, doc, prevV, anyOrNil(prev), &sc); err != nil {
		return sc, err
	}
	return sc, nil
}

// Scores returns a paper's scores by person.
func (s *Service) Scores(ctx context.Context, actor *identity.Actor, paperID string) (map[string]Score, error) {
	d, err := s.store.Doc(ctx, KindPaper, paperID)
	if err != nil {
		return nil, err
	}
	if err := identity.Decide(actor, identity.ActPersonnelView, identity.InUnit(d.UnitPath)).Err(); err != nil {
		return nil, err
	}
	scores, err := load[Score](ctx, s.store, KindScore, paperID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Score, len(scores))
	for _, sc := range scores {
		out[sc.PersonID] = sc
	}
	return out, nil
}
