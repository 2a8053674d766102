package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire shapes. One struct serves both formats: XML element names come
// from the xml tags, and JSON is the spec's mechanical mapping of the XML
// (lists are bare arrays, so the list wrappers are only used for XML).

// xmlHeader is the spec's declaration, lower-case utf-8 as in its examples.
const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// Content types of the two formats.
const (
	ctXML  = "text/xml; charset=utf-8"
	ctJSON = "application/json; charset=utf-8"
)

// maybe is a string that is null in JSON when empty and an empty element in
// XML, for the spec's optional fields (times, notices).
type maybe string

func (m maybe) MarshalJSON() ([]byte, error) { return m.appendJSON(nil), nil }

func (m maybe) appendJSON(b []byte) []byte {
	if m == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, string(m))
}

// appendJSONString appends s as encoding/json writes a string.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		return append(append(append(b, '"'), s...), '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// plainJSON reports whether s needs no escaping in a JSON string (the
// common case: times, codes, Chinese text), so quoting it is enough.
func plainJSON(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&', r == 0x2028, r == 0x2029, r == utf8.RuneError:
			return false
		}
	}
	return true
}

// coord is a latitude or longitude: a JSON number or null, an XML text.
type coord struct {
	v  float64
	ok bool
}

func (c coord) text() string {
	if !c.ok {
		return ""
	}
	return strconv.FormatFloat(c.v, 'f', -1, 64)
}

func (c coord) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func (c coord) appendJSON(b []byte) []byte {
	if !c.ok {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, c.v, 'f', -1, 64)
}

func (c coord) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(c.text(), start)
}

// w3c formats a time as the spec's W3C datetime with offset; zero is empty.
func w3c(t time.Time) maybe {
	if t.IsZero() {
		return ""
	}
	return maybe(t.Format(time.RFC3339))
}

type wireError struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

type wireErrors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []wireError `xml:"error"`
}

type wireDiscovery struct {
	XMLName    xml.Name       `xml:"discovery" json:"-"`
	Changeset  string         `xml:"changeset" json:"changeset"`
	Contact    string         `xml:"contact" json:"contact"`
	KeyService string         `xml:"key_service" json:"key_service"`
	Endpoints  []wireEndpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type wireEndpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

type wireService struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	Code        string   `xml:"service_code" json:"service_code"`
	Name        string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

type wireServices struct {
	XMLName  xml.Name      `xml:"services"`
	Services []wireService `xml:"service"`
}

type wireDefinition struct {
	XMLName     xml.Name        `xml:"service_definition" json:"-"`
	ServiceCode string          `xml:"service_code" json:"service_code"`
	Attributes  []wireAttribute `xml:"attributes>attribute" json:"attributes"`
}

type wireAttribute struct {
	Variable            bool        `xml:"variable" json:"variable"`
	Code                string      `xml:"code" json:"code"`
	Datatype            string      `xml:"datatype" json:"datatype"`
	Required            bool        `xml:"required" json:"required"`
	DatatypeDescription string      `xml:"datatype_description" json:"datatype_description"`
	Order               int         `xml:"order" json:"order"`
	Description         string      `xml:"description" json:"description"`
	Values              []wireValue `xml:"values>value" json:"values"`
}

type wireValue struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

// wireCreated is the POST answer; id xor token.
type wireCreated struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id,omitempty" json:"service_request_id,omitempty"`
	Token            string   `xml:"token,omitempty" json:"token,omitempty"`
	ServiceNotice    maybe    `xml:"service_notice" json:"service_notice"`
	AccountID        maybe    `xml:"account_id" json:"account_id"`
}

type wireCreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []wireCreated `xml:"request"`
}

type wireToken struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID maybe    `xml:"service_request_id" json:"service_request_id"`
	Token            string   `xml:"token" json:"token"`
}

type wireTokenList struct {
	XMLName xml.Name    `xml:"service_requests"`
	Tokens  []wireToken `xml:"request"`
}

type wireRequest struct {
	XMLName           xml.Name `xml:"request" json:"-"`
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       maybe    `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       maybe    `xml:"description" json:"description"`
	AgencyResponsible maybe    `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     maybe    `xml:"service_notice" json:"service_notice"`
	Requested         maybe    `xml:"requested_datetime" json:"requested_datetime"`
	Updated           maybe    `xml:"updated_datetime" json:"updated_datetime"`
	Expected          maybe    `xml:"expected_datetime" json:"expected_datetime"`
	Address           maybe    `xml:"address" json:"address"`
	AddressID         maybe    `xml:"address_id" json:"address_id"`
	Zipcode           maybe    `xml:"zipcode" json:"zipcode"`
	Lat               coord    `xml:"lat" json:"lat"`
	Long              coord    `xml:"long" json:"long"`
	MediaURL          maybe    `xml:"media_url" json:"media_url"`

	// extensions=true only.
	Extended   *wireExtended   `xml:"extended_attributes,omitempty" json:"extended_attributes,omitempty"`
	Attributes *wireAnswerList `xml:"attributes,omitempty" json:"attributes,omitempty"`
	Notes      *wireNoteList   `xml:"notes,omitempty" json:"notes,omitempty"`
}

// wireRequests is a JSON list of requests, the busiest answer of the API: it is
// written field by field, byte for byte what encoding/json makes of the tags above
// (TestRequestListsAreWrittenAsEncodingJSONWouldWriteThem), without reflection.
type wireRequests []wireRequest

func (l wireRequests) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		r := &l[i]
		b = append(b, `{"service_request_id":`...)
		b = appendJSONString(b, r.ServiceRequestID)
		b = append(b, `,"status":`...)
		b = appendJSONString(b, r.Status)
		b = r.StatusNotes.appendJSON(append(b, `,"status_notes":`...))
		b = appendJSONString(append(b, `,"service_name":`...), r.ServiceName)
		b = appendJSONString(append(b, `,"service_code":`...), r.ServiceCode)
		b = r.Description.appendJSON(append(b, `,"description":`...))
		b = r.AgencyResponsible.appendJSON(append(b, `,"agency_responsible":`...))
		b = r.ServiceNotice.appendJSON(append(b, `,"service_notice":`...))
		b = r.Requested.appendJSON(append(b, `,"requested_datetime":`...))
		b = r.Updated.appendJSON(append(b, `,"updated_datetime":`...))
		b = r.Expected.appendJSON(append(b, `,"expected_datetime":`...))
		b = r.Address.appendJSON(append(b, `,"address":`...))
		b = r.AddressID.appendJSON(append(b, `,"address_id":`...))
		b = r.Zipcode.appendJSON(append(b, `,"zipcode":`...))
		b = r.Lat.appendJSON(append(b, `,"lat":`...))
		b = r.Long.appendJSON(append(b, `,"long":`...))
		b = r.MediaURL.appendJSON(append(b, `,"media_url":`...))
		for _, x := range []struct {
			key string
			v   any
			set bool
		}{{"extended_attributes", r.Extended, r.Extended != nil}, {"attributes", r.Attributes, r.Attributes != nil},
			{"notes", r.Notes, r.Notes != nil}} {
			if !x.set {
				continue
			}
			v, err := json.Marshal(x.v)
			if err != nil {
				return nil, err
			}
			b = append(append(append(append(b, `,"`...), x.key...), `":`...), v...)
		}
		b = append(b, '}')
	}
	return append(b, ']', '\n'), nil
}

type wireExtended struct {
	Status             string   `xml:"status" json:"status"`
	ExternalStatusCode maybe    `xml:"external_status_code" json:"external_status_code"`
	Channel            maybe    `xml:"channel" json:"channel"`
	Photos             []string `xml:"photos>photo" json:"photos"`
}

type wireAnswer struct {
	Code  string `xml:"code" json:"code"`
	Value string `xml:"value" json:"value"`
}

// wireAnswerList and wireNoteList are XML wrappers that are bare arrays in JSON.
type wireAnswerList struct {
	Items []wireAnswer `xml:"attribute"`
}

func (l *wireAnswerList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Items) }

type wireNote struct {
	Datetime    maybe  `xml:"datetime" json:"datetime"`
	Description string `xml:"description" json:"description"`
	Type        string `xml:"type" json:"type"`
}

type wireNoteList struct {
	Items []wireNote `xml:"note"`
}

func (l *wireNoteList) MarshalJSON() ([]byte, error) { return json.Marshal(l.Items) }

type wireRequestList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []wireRequest `xml:"request"`
}

type wireUpdate struct {
	XMLName            xml.Name `xml:"request_update" json:"-"`
	UpdateID           string   `xml:"update_id" json:"update_id"`
	ServiceRequestID   string   `xml:"service_request_id" json:"service_request_id"`
	Status             string   `xml:"status" json:"status"`
	UpdatedDatetime    maybe    `xml:"updated_datetime" json:"updated_datetime"`
	Description        maybe    `xml:"description" json:"description"`
	MediaURL           maybe    `xml:"media_url" json:"media_url"`
	ExternalStatusCode maybe    `xml:"external_status_code" json:"external_status_code"`
}

type wireUpdateList struct {
	XMLName xml.Name     `xml:"service_request_updates"`
	Updates []wireUpdate `xml:"request_update"`
}

func toWireService(s Service) wireService {
	return wireService{Code: s.Code, Name: s.Name, Description: s.Description, Metadata: s.Metadata,
		Type: string(s.Type), Keywords: strings.Join(s.Keywords, ", "), Group: s.Group}
}

func toWireDefinition(d ServiceDefinition) wireDefinition {
	out := wireDefinition{ServiceCode: d.ServiceCode, Attributes: []wireAttribute{}}
	for _, a := range d.Attributes {
		wa := wireAttribute{Variable: a.Variable, Code: a.Code, Datatype: string(a.Datatype),
			Required: a.Required, DatatypeDescription: a.DatatypeDescription, Order: a.Order,
			Description: a.Description, Values: []wireValue{}}
		for _, v := range a.Values {
			wa.Values = append(wa.Values, wireValue(v))
		}
		out.Attributes = append(out.Attributes, wa)
	}
	return out
}

func toWireRequest(r Request, extensions bool) wireRequest {
	out := wireRequest{
		ServiceRequestID: r.ID, Status: r.Status.Plain(), StatusNotes: maybe(r.StatusNotes),
		ServiceName: r.ServiceName, ServiceCode: r.ServiceCode, Description: maybe(r.Description),
		AgencyResponsible: maybe(r.AgencyResponsible), ServiceNotice: maybe(r.ServiceNotice),
		Requested: w3c(r.Requested), Updated: w3c(r.Updated), Expected: w3c(r.Expected),
		Address: maybe(r.Address), AddressID: maybe(r.AddressID), Zipcode: maybe(r.Zipcode),
		Lat: coord{r.Lat, r.HasPoint}, Long: coord{r.Long, r.HasPoint}, MediaURL: maybe(r.MediaURL),
	}
	if !extensions {
		return out
	}
	photos := append([]string{}, r.Photos...)
	out.Extended = &wireExtended{Status: string(r.Status), ExternalStatusCode: maybe(r.ExternalStatus),
		Channel: maybe(r.Channel), Photos: photos}
	out.Attributes = &wireAnswerList{Items: []wireAnswer{}}
	for _, a := range r.Attributes {
		out.Attributes.Items = append(out.Attributes.Items, wireAnswer(a))
	}
	out.Notes = &wireNoteList{Items: []wireNote{}}
	for _, n := range r.Notes {
		out.Notes.Items = append(out.Notes.Items, wireNote{Datetime: w3c(n.At), Description: n.Description, Type: n.Type})
	}
	return out
}

func toWireUpdate(u Update, extended bool) wireUpdate {
	st := u.Status.Plain()
	if extended {
		st = string(u.Status)
	}
	return wireUpdate{UpdateID: u.UpdateID, ServiceRequestID: u.ServiceRequestID, Status: st,
		UpdatedDatetime: w3c(u.UpdatedAt), Description: maybe(u.Description), MediaURL: maybe(u.MediaURL),
		ExternalStatusCode: maybe(u.ExternalStatus)}
}

// write encodes an answer. xmlV is the XML document (with its root), jsonV
// the JSON value (a bare array for lists).
func write(w http.ResponseWriter, f format, status int, xmlV, jsonV any) {
	var buf bytes.Buffer
	if l, ok := jsonV.(wireRequests); ok && f == formatJSON {
		b, err := l.appendJSON(buf.AvailableBuffer())
		if err != nil {
			http.Error(w, "encoding failed", http.StatusInternalServerError)
			return
		}
		buf.Write(b)
		w.Header().Set("Content-Type", ctJSON)
	} else if f == formatJSON {
		if err := json.NewEncoder(&buf).Encode(jsonV); err != nil {
			http.Error(w, "encoding failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctJSON)
	} else {
		buf.WriteString(xmlHeader)
		if err := xml.NewEncoder(&buf).Encode(xmlV); err != nil {
			http.Error(w, "encoding failed", http.StatusInternalServerError)
			return
		}
		buf.WriteByte('\n')
		w.Header().Set("Content-Type", ctXML)
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
