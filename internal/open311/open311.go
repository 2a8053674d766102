// Package open311 is the Open311 GeoReport v2 protocol layer (issue 4, item 2;
// ../shared/domain/OPEN311.md): discovery, services, service definitions,
// POST and GET requests, tokens, the mySociety servicerequestupdates
// extension, JSON and XML, and the spec's error lists.
//
// It knows nothing about cases: everything behind the protocol is a Backend,
// which the case service implements. The package decodes and validates what
// the protocol itself defines (formats, methods, parameters, locations,
// dates, attributes against the service definition) and encodes answers; the
// Backend decides everything else. It must not import storage or the case
// packages.
//
// Privacy by construction: the reporter's name, e-mail and phone travel only
// in NewRequest.Contact and NewUpdate.Contact (input types). The read models
// Request and Update have no field that could carry them, so no GET can show
// them whatever a Backend does.
package open311

import (
	"context"
	"errors"
	"time"
)

// Backend is everything the protocol layer needs from the case workflow. The
// methods take the resolved jurisdiction and language in Scope. Errors:
// ErrNotFound or an apperr.NotFound error → 404, ErrForbidden or
// apperr.Forbidden → 403, *InvalidError or apperr.Invalid (with Fields) →
// 400 with one entry per field, anything else → 400 "general error" (the spec
// has no 5xx), logged.
type Backend interface {
	// Authenticate checks a POST's api_key (never empty here) and names the
	// client app. A missing or unknown key is ErrForbidden.
	Authenticate(ctx context.Context, apiKey string) (Client, error)
	// Services lists the services of the jurisdiction.
	Services(ctx context.Context, s Scope) ([]Service, error)
	// ServiceDefinition returns a service's attributes; a service without
	// metadata returns a definition with no attributes. Unknown code:
	// ErrNotFound. POST requests use it to check attributes, so it should be
	// cheap (cached).
	ServiceDefinition(ctx context.Context, s Scope, serviceCode string) (ServiceDefinition, error)
	// CreateRequest records a new service request, durably, and returns its
	// id (realtime services) or a token (batch services).
	CreateRequest(ctx context.Context, s Scope, in NewRequest) (Created, error)
	// Token resolves a token of a batch service; ServiceRequestID is empty
	// while the request has no id yet. Unknown token: ErrNotFound.
	Token(ctx context.Context, s Scope, token string) (TokenResult, error)
	// Requests lists requests matching q, newest requested first, at most
	// q.Limit after skipping q.Offset.
	Requests(ctx context.Context, s Scope, q Query) ([]Request, error)
	// Request returns one request. Unknown id: ErrNotFound.
	Request(ctx context.Context, s Scope, id string) (Request, error)
	// Updates lists status updates (mySociety servicerequestupdates) whose
	// UpdatedAt is in [q.Start, q.End), oldest first, at most q.Limit
	// after skipping q.Offset.
	Updates(ctx context.Context, s Scope, q UpdateQuery) ([]Update, error)
	// CreateUpdate records an update posted by a client (a FixMyStreet
	// comment or reopening) and returns it with its UpdateID.
	CreateUpdate(ctx context.Context, s Scope, in NewUpdate) (Update, error)
}

// Errors a Backend returns (wrapped or not) besides *apperr.Error.
var (
	ErrNotFound  = errors.New("open311: not found")
	ErrForbidden = errors.New("open311: forbidden")
)

// InvalidError is a Backend's refusal of input, one Problem per field; each
// becomes one 400 entry "field: message".
type InvalidError struct {
	Problems []Problem
}

// Problem is one invalid field. Key is a translation key (internal/i18n);
// Args fill its template. A key with no translation is shown as it is, so a
// backend may also put plain text there.
type Problem struct {
	Field string
	Key   string
	Args  map[string]any
}

func (e *InvalidError) Error() string {
	s := "open311: invalid"
	for _, p := range e.Problems {
		s += " [" + p.Field + ": " + p.Key + "]"
	}
	return s
}

// Scope is the context of one call: the jurisdiction (a configured
// jurisdiction_id; empty when Options.Jurisdictions is empty) and the
// language of the answer (i18n.ZH or i18n.EN) for names and descriptions.
type Scope struct {
	Jurisdiction string
	Lang         string
}

// Client is the app that presented an api_key.
type Client struct {
	ID   string
	Name string
}

// ServiceType is how a service answers a POST.
type ServiceType string

// The spec's service types.
const (
	Realtime ServiceType = "realtime" // the id is returned at once
	Batch    ServiceType = "batch"    // a token is returned
	Blackbox ServiceType = "blackbox" // nothing is returned
)

// Service is one entry of GET services.
type Service struct {
	Code        string
	Name        string
	Description string
	Metadata    bool // true: clients must read the service definition
	Type        ServiceType
	Keywords    []string // joined with ", " in the answer
	Group       string
}

// Datatype is an attribute's data type.
type Datatype string

// The spec's six datatypes.
const (
	String          Datatype = "string"
	Number          Datatype = "number"
	Datetime        Datatype = "datetime"
	Text            Datatype = "text"
	SingleValueList Datatype = "singlevaluelist"
	MultiValueList  Datatype = "multivaluelist"
)

// Datatypes lists the valid datatypes.
func Datatypes() []Datatype {
	return []Datatype{String, Number, Datetime, Text, SingleValueList, MultiValueList}
}

// Attribute is one question of a service definition.
type Attribute struct {
	Code                string
	Variable            bool // false: informational only, clients send no value
	Datatype            Datatype
	Required            bool
	DatatypeDescription string
	Order               int // positive, unique within the service
	Description         string
	Values              []AttributeValue // for the list datatypes
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key  string
	Name string
}

// ServiceDefinition is GET services/{code}.
type ServiceDefinition struct {
	ServiceCode string
	Attributes  []Attribute
}

// Location is where a request is: a WGS-84 point, an address string, an
// address id, or several of them. At least one is present in a NewRequest.
type Location struct {
	HasPoint      bool
	Lat, Long     float64 // WGS-84 degrees, valid when HasPoint
	AddressString string  // most specific to most general
	AddressID     string  // the jurisdiction's master-address id
}

// Contact is what a reporter may tell about themself. It is private: it is
// never part of any answer (see Request, which has no such fields).
type Contact struct {
	FirstName string
	LastName  string
	Email     string
	Phone     string
}

// NewRequest is a decoded, protocol-valid POST requests.
type NewRequest struct {
	Client      Client // from the api_key
	ServiceCode string
	Location    Location
	// Attributes maps an attribute code to its values: one for every
	// datatype but multivaluelist. Checked against the definition: only
	// variable attributes, required ones present, list values among the
	// keys, numbers and datetimes well-formed (datetimes normalized to
	// RFC 3339).
	Attributes  map[string][]string
	Description string // plain text, at most 4,000 characters
	MediaURL    string // an absolute http(s) URL
	Contact     Contact
	DeviceID    string
	AccountID   string
}

// Created is the answer to a POST: ServiceRequestID xor Token (both empty
// for a blackbox service).
type Created struct {
	ServiceRequestID string
	Token            string
	ServiceNotice    string
	AccountID        string
}

// TokenResult is GET tokens/{token}.
type TokenResult struct {
	Token            string
	ServiceRequestID string
}

// Request is the public read model of a service request. It deliberately
// has no field for the reporter's name, e-mail or phone.
type Request struct {
	ID                string
	Status            Status // extended; the answer's status is Status.Plain()
	ExternalStatus    string // the workflow's own state code, e.g. "dispatched"
	StatusNotes       string
	ServiceCode       string
	ServiceName       string
	Description       string
	AgencyResponsible string
	ServiceNotice     string
	Requested         time.Time
	Updated           time.Time // zero: never updated; the close time when closed
	Expected          time.Time // zero: no SLA hint
	Address           string
	AddressID         string
	Zipcode           string
	HasPoint          bool
	Lat, Long         float64
	MediaURL          string

	// Shown only with extensions=true.
	Channel    string   // e.g. open311, inspector, hotline, web
	Photos     []string // public URLs of photos
	Attributes []AttributeAnswer
	Notes      []Note
}

// AttributeAnswer is one answered attribute of a request.
type AttributeAnswer struct {
	Code  string
	Value string
}

// Note is one entry of a request's public history.
type Note struct {
	At          time.Time
	Description string
	Type        string
}

// Query is GET requests after decoding. When IDs is set, every other filter
// is empty: service_request_id overrides them.
type Query struct {
	IDs          []string
	ServiceCodes []string
	Start, End   time.Time // requested in [Start, End]
	Statuses     []Status  // any of these; empty: all
	Limit        int       // ≥ 1
	Offset       int
}

// Update is one status update of a request (mySociety servicerequestupdates).
// Like Request it cannot carry the author's contact.
type Update struct {
	UpdateID         string
	ServiceRequestID string
	Status           Status
	ExternalStatus   string
	UpdatedAt        time.Time
	Description      string
	MediaURL         string
}

// UpdateQuery is GET servicerequestupdates after decoding.
type UpdateQuery struct {
	Start, End time.Time
	Limit      int // ≥ 1
	Offset     int
}

// NewUpdate is a decoded POST servicerequestupdates.
type NewUpdate struct {
	Client           Client
	ServiceRequestID string
	ClientUpdateID   string // the client's own id of the update (FixMyStreet's update_id)
	Status           Status
	UpdatedAt        time.Time
	Description      string
	MediaURL         string
	Contact          Contact
	AccountID        string
}
