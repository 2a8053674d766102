package open311

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// fakeBackend is an in-memory Backend: what a case service must do, in the
// smallest form. Contacts are kept apart from the read model, as a real
// backend keeps them in a private table.
type fakeBackend struct {
	mu       sync.Mutex
	now      func() time.Time
	requests []Request
	contacts map[string]Contact // by request id: private
	created  []NewRequest       // every accepted NewRequest, for assertions
	tokens   map[string]string  // token → request id
	updates  []Update
	posted   []NewUpdate
	lastQ    Query
	lastUQ   UpdateQuery
	lastS    Scope
	fail     error // returned by every data method when set
	seq      int
}

const fakeKey = "cgk_test"

func newFake(now func() time.Time) *fakeBackend {
	return &fakeBackend{now: now, contacts: map[string]Contact{}, tokens: map[string]string{}}
}

var fakeServices = []Service{
	{Code: "0101", Name: "暴露垃圾", Description: "Exposed rubbish", Metadata: true, Type: Realtime,
		Keywords: []string{"rubbish", "garbage"}, Group: "市容环境"},
	{Code: "0202", Name: "井盖缺失", Description: "Missing manhole cover", Metadata: false, Type: Batch, Group: "公用设施"},
}

var fakeDefinition = ServiceDefinition{ServiceCode: "0101", Attributes: []Attribute{
	{Code: "info", Variable: false, Datatype: String, Order: 1, Description: "Photos help us."},
	{Code: "size", Variable: true, Datatype: SingleValueList, Required: true, Order: 2, Description: "How much?",
		Values: []AttributeValue{{Key: "s", Name: "少量"}, {Key: "m", Name: "中等"}, {Key: "l", Name: "大量"}}},
	{Code: "kinds", Variable: true, Datatype: MultiValueList, Order: 3, Description: "What kind?",
		Values: []AttributeValue{{Key: "food", Name: "厨余"}, {Key: "paper", Name: "纸"}, {Key: "glass", Name: "玻璃"}}},
	{Code: "bags", Variable: true, Datatype: Number, Order: 4, Description: "How many bags?"},
	{Code: "seen", Variable: true, Datatype: Datetime, Order: 5, Description: "When seen?"},
	{Code: "where", Variable: true, Datatype: String, Order: 6, Description: "Landmark"},
	{Code: "more", Variable: true, Datatype: Text, Order: 7, Description: "More"},
}}

func (f *fakeBackend) Authenticate(_ context.Context, key string) (Client, error) {
	if key != fakeKey {
		return Client{}, ErrForbidden
	}
	return Client{ID: "app1", Name: "Test app"}, nil
}

func (f *fakeBackend) Services(_ context.Context, s Scope) ([]Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastS = s
	if f.fail != nil {
		return nil, f.fail
	}
	return fakeServices, nil
}

func (f *fakeBackend) ServiceDefinition(_ context.Context, _ Scope, code string) (ServiceDefinition, error) {
	switch code {
	case "0101":
		return fakeDefinition, nil
	case "0202":
		return ServiceDefinition{ServiceCode: "0202"}, nil
	}
	return ServiceDefinition{}, ErrNotFound
}

func (f *fakeBackend) CreateRequest(_ context.Context, _ Scope, in NewRequest) (Created, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return Created{}, f.fail
	}
	f.seq++
	id := fmt.Sprintf("SR%06d", f.seq)
	name := ""
	for _, s := range fakeServices {
		if s.Code == in.ServiceCode {
			name = s.Name
		}
	}
	r := Request{ID: id, Status: StatusForTriage, ExternalStatus: "reported", ServiceCode: in.ServiceCode,
		ServiceName: name, Description: in.Description, Requested: f.now(), Address: in.Location.AddressString,
		AddressID: in.Location.AddressID, HasPoint: in.Location.HasPoint, Lat: in.Location.Lat,
		Long: in.Location.Long, MediaURL: in.MediaURL, Channel: "open311"}
	for _, code := range []string{"size", "kinds", "bags", "seen", "where", "more"} {
		for _, v := range in.Attributes[code] {
			r.Attributes = append(r.Attributes, AttributeAnswer{Code: code, Value: v})
		}
	}
	f.requests = append(f.requests, r)
	f.contacts[id] = in.Contact
	f.created = append(f.created, in)
	if in.ServiceCode == "0202" {
		tok := "tok-" + id
		f.tokens[tok] = id
		return Created{Token: tok}, nil
	}
	return Created{ServiceRequestID: id, ServiceNotice: "将在 2 个工作日内处理", AccountID: in.AccountID}, nil
}

func (f *fakeBackend) Token(_ context.Context, _ Scope, token string) (TokenResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.tokens[token]
	if !ok {
		return TokenResult{}, ErrNotFound
	}
	return TokenResult{Token: token, ServiceRequestID: id}, nil
}

func (f *fakeBackend) Requests(_ context.Context, _ Scope, q Query) ([]Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastQ = q
	if f.fail != nil {
		return nil, f.fail
	}
	var out []Request
	for i := len(f.requests) - 1; i >= 0; i-- {
		r := f.requests[i]
		if len(q.IDs) > 0 {
			if slices.Contains(q.IDs, r.ID) {
				out = append(out, r)
			}
			continue
		}
		if len(q.ServiceCodes) > 0 && !slices.Contains(q.ServiceCodes, r.ServiceCode) {
			continue
		}
		if r.Requested.Before(q.Start) || r.Requested.After(q.End) {
			continue
		}
		if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, r.Status) {
			continue
		}
		out = append(out, r)
	}
	if q.Offset >= len(out) {
		return nil, nil
	}
	out = out[q.Offset:]
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (f *fakeBackend) Request(_ context.Context, _ Scope, id string) (Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return Request{}, f.fail
	}
	for _, r := range f.requests {
		if r.ID == id {
			return r, nil
		}
	}
	return Request{}, ErrNotFound
}

func (f *fakeBackend) Updates(_ context.Context, _ Scope, q UpdateQuery) ([]Update, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastUQ = q
	var out []Update
	skip := q.Offset
	for _, u := range f.updates {
		if u.UpdatedAt.Before(q.Start) || !u.UpdatedAt.Before(q.End) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) < q.Limit {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fakeBackend) CreateUpdate(_ context.Context, _ Scope, in NewUpdate) (Update, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	found := false
	for i := range f.requests {
		if f.requests[i].ID == in.ServiceRequestID {
			f.requests[i].Status = in.Status
			found = true
		}
	}
	if !found {
		return Update{}, &InvalidError{Problems: []Problem{{Field: "service_request_id", Key: "open311.err.not_found"}}}
	}
	f.posted = append(f.posted, in)
	u := Update{UpdateID: fmt.Sprintf("U%d", len(f.updates)+1), ServiceRequestID: in.ServiceRequestID,
		Status: in.Status, UpdatedAt: in.UpdatedAt, Description: in.Description, MediaURL: in.MediaURL}
	f.updates = append(f.updates, u)
	return u, nil
}
