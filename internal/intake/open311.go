// Package intake connects the public channels to the closed loop: here, Open311
// GeoReport v2 clients (internal/open311) to the case service (internal/urban) and the
// 部件/事件 catalogue (internal/urban/taxonomy).
package intake

import (
	"context"
	"slices"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/open311"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// Open311 is the open311.Backend of the closed loop. Service codes are the catalogue's
// kind and code ("E0102" for the event 0102, "C0101" for the component 0101); request IDs
// are case numbers ("2026-000123").
type Open311 struct {
	Cases    *urban.Service
	Catalog  *taxonomy.Service
	Identity *identity.Service
}

var _ open311.Backend = (*Open311)(nil)

// ServiceCode is a category's Open311 service code.
func ServiceCode(c taxonomy.Category) string {
	if c.Kind == taxonomy.Component {
		return "C" + c.Code
	}
	return "E" + c.Code
}

func parseServiceCode(code string) (taxonomy.Kind, string, bool) {
	if len(code) != 5 {
		return "", "", false
	}
	switch code[0] {
	case 'C':
		return taxonomy.Component, code[1:], true
	case 'E':
		return taxonomy.Event, code[1:], true
	}
	return "", "", false
}

// StatusOf is a case's extended status (FixMyStreet's set); its plain status is
// open until the case is closed, rejected, voided or merged.
func StatusOf(c *urban.Case) open311.Status {
	switch c.State {
	case urban.StateReported:
		return open311.StatusOpen
	case urban.StateFiled:
		if c.Reopens > 0 {
			return open311.StatusReopen
		}
		return open311.StatusActionScheduled
	case urban.StateReturned, urban.StateHeld:
		return open311.StatusActionScheduled
	case urban.StateDispatched, urban.StateRework, urban.StateVerified:
		return open311.StatusInProgress
	case urban.StateHandled:
		return open311.StatusInvestigating
	case urban.StateClosed:
		return open311.StatusFixed
	case urban.StateRejected:
		return open311.StatusNotCouncilsResponsibility
	case urban.StateVoid:
		return open311.StatusCancelled
	case urban.StateMerged:
		return open311.StatusDuplicate
	}
	return open311.StatusOpen
}

// statesOf lists the case states shown as an extended status.
func statesOf(st open311.Status) []urban.State {
	var out []urban.State
	for _, s := range urban.States() {
		c := urban.Case{State: s}
		if StatusOf(&c) == st {
			out = append(out, s)
		}
	}
	if st == open311.StatusReopen {
		out = append(out, urban.StateFiled) // reopened cases are filed ones with Reopens > 0
	}
	return out
}

// Authenticate implements open311.Backend with the installation's Open311 keys.
func (o *Open311) Authenticate(ctx context.Context, apiKey string) (open311.Client, error) {
	k, err := o.Identity.VerifyOpen311Key(ctx, apiKey)
	if err != nil {
		return open311.Client{}, open311.ErrForbidden
	}
	return open311.Client{ID: k.ID, Name: k.Name}, nil
}

// Services implements open311.Backend: the enabled categories.
func (o *Open311) Services(ctx context.Context, s open311.Scope) ([]open311.Service, error) {
	cats, err := o.Catalog.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]open311.Service, 0, len(cats))
	for _, c := range cats {
		out = append(out, service(c, s.Lang))
	}
	return out, nil
}

func service(c taxonomy.Category, lang string) open311.Service {
	name, group := c.Name, c.MajorName
	if lang == "en" && c.NameEN != "" {
		name = c.NameEN
		if c.MajorNameEN != "" {
			group = c.MajorNameEN
		}
	}
	return open311.Service{Code: ServiceCode(c), Name: name, Description: c.FileCondition, Type: open311.Realtime,
		Keywords: []string{string(c.Kind), c.Code}, Group: group, Metadata: len(c.Urgencies) > 0}
}

func (o *Open311) category(ctx context.Context, code string) (taxonomy.Category, error) {
	kind, c, ok := parseServiceCode(code)
	if !ok {
		return taxonomy.Category{}, open311.ErrNotFound
	}
	cat, err := o.Catalog.ByCode(ctx, kind, c)
	if err != nil || !cat.Enabled {
		return taxonomy.Category{}, open311.ErrNotFound
	}
	return cat, nil
}

// ServiceDefinition implements open311.Backend: a category that offers urgencies has an
// optional urgency attribute.
func (o *Open311) ServiceDefinition(ctx context.Context, s open311.Scope, code string) (open311.ServiceDefinition, error) {
	cat, err := o.category(ctx, code)
	if err != nil {
		return open311.ServiceDefinition{}, err
	}
	def := open311.ServiceDefinition{ServiceCode: code}
	if len(cat.Urgencies) == 0 {
		return def, nil
	}
	names := map[taxonomy.Urgency][2]string{taxonomy.Normal: {"一般", "normal"}, taxonomy.Urgent: {"紧急", "urgent"},
		taxonomy.Critical: {"特急", "critical"}}
	attr := open311.Attribute{Code: "urgency", Variable: true, Datatype: open311.SingleValueList, Order: 1,
		Description: "紧急程度 (urgency)", Values: []open311.AttributeValue{{Key: "normal", Name: names[taxonomy.Normal][0]}}}
	if s.Lang == "en" {
		attr.Values[0].Name = names[taxonomy.Normal][1]
	}
	for _, u := range cat.Urgencies {
		v := open311.AttributeValue{Key: string(u.Level), Name: names[u.Level][0]}
		if s.Lang == "en" {
			v.Name = names[u.Level][1]
		}
		attr.Values = append(attr.Values, v)
	}
	def.Attributes = []open311.Attribute{attr}
	return def, nil
}

// CreateRequest implements open311.Backend: a new case of the Open311 channel, routed by
// its point. A request without lat/long cannot be routed to a grid and is refused.
func (o *Open311) CreateRequest(ctx context.Context, _ open311.Scope, in open311.NewRequest) (open311.Created, error) {
	cat, err := o.category(ctx, in.ServiceCode)
	if err != nil {
		return open311.Created{}, err
	}
	if !in.Location.HasPoint {
		return open311.Created{}, &open311.InvalidError{Problems: []open311.Problem{{Field: "lat", Key: "open311.point_required"}}}
	}
	urgency := urban.UrgencyNormal
	if v := in.Attributes["urgency"]; len(v) == 1 {
		urgency = urban.Urgency(v[0])
	}
	desc := in.Description
	if strings.TrimSpace(desc) == "" {
		desc = cat.Name
	}
	name := strings.TrimSpace(in.Contact.LastName + in.Contact.FirstName)
	if in.Contact.FirstName != "" && in.Contact.LastName != "" && isASCII(name) {
		name = in.Contact.FirstName + " " + in.Contact.LastName
	}
	rc, err := o.Cases.Submit(ctx, nil, urban.Report{Channel: urban.ChannelOpen311, CategoryID: cat.ID, Urgency: urgency,
		Description: desc, Address: in.Location.AddressString, Lon: in.Location.Long, Lat: in.Location.Lat,
		ReporterKey: "open311:" + in.Client.ID,
		Contact:     urban.Contact{Name: name, Phone: in.Contact.Phone, Email: in.Contact.Email}})
	if err != nil {
		return open311.Created{}, problems(err)
	}
	return open311.Created{ServiceRequestID: rc.Case.Number, AccountID: in.AccountID}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// problems turns the case service's field refusals into the spec's error list; a point
// outside every grid is a 400 on lat/long, not a missing resource.
func problems(err error) error {
	e := apperr.As(err)
	if e == nil {
		return err
	}
	switch e.Code {
	case apperr.Invalid:
		var ps []open311.Problem
		for _, f := range e.Fields {
			field := f.Field
			switch field {
			case "category_id":
				field = "service_code"
			case "lon":
				field = "long"
			}
			ps = append(ps, open311.Problem{Field: field, Key: f.Key, Args: f.Args})
		}
		if len(ps) == 0 {
			ps = append(ps, open311.Problem{Field: "request", Key: e.MessageKey(), Args: e.Args})
		}
		return &open311.InvalidError{Problems: ps}
	case apperr.NotFound:
		return &open311.InvalidError{Problems: []open311.Problem{{Field: "lat", Key: e.MessageKey(), Args: e.Args}}}
	}
	return err
}

// Token implements open311.Backend: every service is realtime, so there are no tokens.
func (o *Open311) Token(context.Context, open311.Scope, string) (open311.TokenResult, error) {
	return open311.TokenResult{}, open311.ErrNotFound
}

// Requests implements open311.Backend.
func (o *Open311) Requests(ctx context.Context, s open311.Scope, q open311.Query) ([]open311.Request, error) {
	f := urban.Filter{Numbers: q.IDs, From: q.Start, To: q.End, Limit: q.Limit, Offset: q.Offset}
	for _, code := range q.ServiceCodes {
		cat, err := o.category(ctx, code)
		if err != nil {
			continue // an unknown service matches nothing
		}
		f.CategoryIDs = append(f.CategoryIDs, cat.ID)
	}
	if len(q.ServiceCodes) > 0 && len(f.CategoryIDs) == 0 {
		return nil, nil
	}
	for _, st := range q.Statuses {
		f.States = append(f.States, statesOf(st)...)
	}
	if len(q.Statuses) > 0 && len(f.States) == 0 {
		return nil, nil
	}
	cases, err := o.Cases.PublicList(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]open311.Request, 0, len(cases))
	for i := range cases {
		r, err := o.request(ctx, &cases[i], s.Lang)
		if err != nil {
			return nil, err
		}
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, r.Status) {
			continue // REOPEN and ACTION_SCHEDULED share the filed state
		}
		out = append(out, r)
	}
	return out, nil
}

// Request implements open311.Backend.
func (o *Open311) Request(ctx context.Context, s open311.Scope, id string) (open311.Request, error) {
	c, err := o.Cases.PublicCase(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return open311.Request{}, open311.ErrNotFound
	}
	if err != nil {
		return open311.Request{}, err
	}
	return o.request(ctx, c, s.Lang)
}

func (o *Open311) request(ctx context.Context, c *urban.Case, lang string) (open311.Request, error) {
	r := open311.Request{ID: c.Number, Status: StatusOf(c), ExternalStatus: string(c.State), StatusNotes: c.PublicNote,
		Description: c.Description, Requested: c.ReportedAt, Updated: c.UpdatedAt, Address: c.Address,
		HasPoint: true, Lat: c.Lat, Long: c.Lon, Channel: string(c.Channel)}
	if !c.HandleDue.IsZero() && c.Open() {
		r.Expected = c.HandleDue
	}
	if cat, err := o.Catalog.Category(ctx, c.CategoryID); err == nil {
		svc := service(cat, lang)
		r.ServiceCode, r.ServiceName = svc.Code, svc.Name
		r.AgencyResponsible = cat.DepartmentName
	} else if !apperr.Is(err, apperr.NotFound) {
		return open311.Request{}, err
	}
	return r, nil
}

// Updates implements open311.Backend: the public history events.
func (o *Open311) Updates(ctx context.Context, s open311.Scope, q open311.UpdateQuery) ([]open311.Update, error) {
	evs, err := o.Cases.PublicUpdates(ctx, q.Start, q.End, q.Limit, q.Offset)
	if err != nil {
		return nil, err
	}
	out := make([]open311.Update, 0, len(evs))
	for _, e := range evs {
		c := urban.Case{State: e.To}
		out = append(out, open311.Update{UpdateID: e.ID, ServiceRequestID: e.Number, Status: StatusOf(&c),
			ExternalStatus: string(e.To), UpdatedAt: e.At, Description: e.Note})
	}
	return out, nil
}

// CreateUpdate implements open311.Backend: a client's comment becomes a public note in
// the case's history. Clients cannot change a case's state.
func (o *Open311) CreateUpdate(ctx context.Context, _ open311.Scope, in open311.NewUpdate) (open311.Update, error) {
	c, ev, err := o.Cases.PublicNote(ctx, in.ServiceRequestID, "open311:"+in.Client.ID, in.Description)
	if apperr.Is(err, apperr.NotFound) {
		return open311.Update{}, open311.ErrNotFound
	}
	if err != nil {
		return open311.Update{}, problems(err)
	}
	return open311.Update{UpdateID: ev.ID, ServiceRequestID: c.Number, Status: StatusOf(c), ExternalStatus: string(c.State),
		UpdatedAt: ev.At, Description: ev.Note}, nil
}
