package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/urban/taxonomy"
)

func (s *Server) taxonomyRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "category-list", Method: http.MethodGet, Path: "/categories",
		Summary:     "The 部件/事件 catalogue, filtered (every member of staff)",
		Description: "In kind and code order. text matches the code, the names and the major class names.",
		Tags:        []string{"categories"}}, s.apiCategoryList)
	huma.Register(api, huma.Operation{OperationID: "category-get", Method: http.MethodGet, Path: "/categories/{id}",
		Summary: "One category", Tags: []string{"categories"}}, s.apiCategoryGet)
	huma.Register(api, huma.Operation{OperationID: "category-create", Method: http.MethodPost, Path: "/categories",
		Summary:       "Add a city's own category (扩展; administrators of the whole tree)",
		Tags:          []string{"categories"},
		DefaultStatus: http.StatusCreated}, s.apiCategoryCreate)
	huma.Register(api, huma.Operation{OperationID: "category-update", Method: http.MethodPut, Path: "/categories/{id}",
		Summary: "Edit a category (administrators of the whole tree)",
		Description: "Send the version you edited: a newer stored version answers 409 conflict. Kind, code and source " +
			"never change; a national category keeps its names.",
		Tags: []string{"categories"}}, s.apiCategoryUpdate)
	huma.Register(api, huma.Operation{OperationID: "category-import", Method: http.MethodPost, Path: "/categories/import",
		Summary: "Import the catalogue from CSV, all or nothing (administrators of the whole tree)",
		Description: "The body is the CSV itself (text/csv) or a multipart/form-data upload with the file in the field " +
			"\"file\". UTF-8 with or without BOM, or GB18030/GBK. Columns: " + strings.Join(taxonomy.Columns, ", ") +
			". Any problem refuses the whole file with 422: fields lists every problem as \"line N/column\".",
		Tags: []string{"categories"}}, s.apiCategoryImport)
	huma.Register(api, huma.Operation{OperationID: "category-export", Method: http.MethodGet, Path: "/categories/export.csv",
		Summary: "The whole catalogue as CSV in the import format (UTF-8 with BOM)", Tags: []string{"categories"}}, s.apiCategoryExport)
}

// LimitJSON is a time limit: an amount in a calendar unit.
type LimitJSON struct {
	Amount int    `json:"amount" minimum:"1" maximum:"87600"`
	Unit   string `json:"unit" enum:"workday,workhour,day,hour" doc:"workday 工作日, workhour 工作时, day 自然日, hour 小时"`
}

// UrgencyJSON is an urgency level a category offers beyond normal (一般).
type UrgencyJSON struct {
	Level  string    `json:"level" enum:"urgent,critical" doc:"urgent 紧急, critical 特急"`
	Handle LimitJSON `json:"handle" doc:"处置 limit at this level"`
}

// DepartmentRef names a category's handling department.
type DepartmentRef struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// CategoryJSON is a category as the API gives it.
type CategoryJSON struct {
	ID             string        `json:"id"`
	Kind           string        `json:"kind" enum:"component,event" doc:"component 部件, event 事件"`
	Code           string        `json:"code" doc:"2-digit major class + 2-digit minor class"`
	Major          string        `json:"major"`
	MajorName      string        `json:"major_name"`
	MajorNameEN    string        `json:"major_name_en"`
	Name           string        `json:"name"`
	NameEN         string        `json:"name_en"`
	Department     DepartmentRef `json:"department"`
	FileCondition  string        `json:"file_condition" doc:"立案条件"`
	CloseCondition string        `json:"close_condition" doc:"结案条件"`
	FileLimit      LimitJSON     `json:"file_limit" doc:"立案时限"`
	DispatchLimit  LimitJSON     `json:"dispatch_limit" doc:"派遣时限"`
	HandleLimit    LimitJSON     `json:"handle_limit" doc:"处置时限 at normal urgency"`
	VerifyLimit    LimitJSON     `json:"verify_limit" doc:"核查时限"`
	Urgencies      []UrgencyJSON `json:"urgencies" doc:"levels offered beyond normal"`
	Enabled        bool          `json:"enabled"`
	Source         string        `json:"source" enum:"national,city" doc:"national 国标, city 本市扩展"`
	Version        int           `json:"version"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

func categoryJSON(c taxonomy.Category) CategoryJSON {
	out := CategoryJSON{ID: c.ID, Kind: string(c.Kind), Code: c.Code, Major: c.Major(), MajorName: c.MajorName,
		MajorNameEN: c.MajorNameEN, Name: c.Name, NameEN: c.NameEN,
		Department:    DepartmentRef{ID: c.DepartmentID, Code: c.DepartmentCode, Name: c.DepartmentName},
		FileCondition: c.FileCondition, CloseCondition: c.CloseCondition,
		FileLimit: limitJSON(c.FileLimit), DispatchLimit: limitJSON(c.DispatchLimit), HandleLimit: limitJSON(c.HandleLimit),
		VerifyLimit: limitJSON(c.VerifyLimit), Urgencies: []UrgencyJSON{}, Enabled: c.Enabled, Source: string(c.Source),
		Version: c.Version, UpdatedAt: c.UpdatedAt}
	for _, u := range c.Urgencies {
		out.Urgencies = append(out.Urgencies, UrgencyJSON{Level: string(u.Level), Handle: limitJSON(u.Handle)})
	}
	return out
}

func limitJSON(l taxonomy.Limit) LimitJSON { return LimitJSON{Amount: l.Amount, Unit: string(l.Unit)} }

func (l LimitJSON) limit() taxonomy.Limit {
	return taxonomy.Limit{Amount: l.Amount, Unit: calendar.Unit(l.Unit)}
}

// CategoryInput is a category as an administrator writes it.
type CategoryInput struct {
	Kind           string        `json:"kind,omitempty" enum:"component,event" doc:"POST only: component 部件, event 事件"`
	Code           string        `json:"code,omitempty" pattern:"^[0-9]{4}$" doc:"POST only: 2-digit major + 2-digit minor class"`
	Source         string        `json:"source,omitempty" enum:"national,city" doc:"POST only; default city"`
	MajorName      string        `json:"major_name" maxLength:"64"`
	MajorNameEN    string        `json:"major_name_en,omitempty" maxLength:"64"`
	Name           string        `json:"name" maxLength:"64"`
	NameEN         string        `json:"name_en,omitempty" maxLength:"64"`
	Department     string        `json:"department" maxLength:"64" doc:"the handling department: its unit code or ID"`
	FileCondition  string        `json:"file_condition,omitempty" maxLength:"1000"`
	CloseCondition string        `json:"close_condition,omitempty" maxLength:"1000"`
	FileLimit      LimitJSON     `json:"file_limit"`
	DispatchLimit  LimitJSON     `json:"dispatch_limit"`
	HandleLimit    LimitJSON     `json:"handle_limit"`
	VerifyLimit    LimitJSON     `json:"verify_limit"`
	Urgencies      []UrgencyJSON `json:"urgencies,omitempty" maxItems:"2"`
	Enabled        bool          `json:"enabled"`
	Version        int           `json:"version,omitempty" doc:"PUT: the version the edit was made on"`
}

// category builds the category an input describes, on top of a stored one
// for an edit.
func (in CategoryInput) category(base taxonomy.Category) taxonomy.Category {
	c := base
	if c.ID == "" {
		c.Kind, c.Code, c.Source = taxonomy.Kind(in.Kind), in.Code, taxonomy.Source(in.Source)
	}
	c.MajorName, c.MajorNameEN, c.Name, c.NameEN = in.MajorName, in.MajorNameEN, in.Name, in.NameEN
	c.DepartmentID, c.DepartmentCode = "", in.Department
	c.FileCondition, c.CloseCondition = in.FileCondition, in.CloseCondition
	c.FileLimit, c.DispatchLimit = in.FileLimit.limit(), in.DispatchLimit.limit()
	c.HandleLimit, c.VerifyLimit = in.HandleLimit.limit(), in.VerifyLimit.limit()
	c.Urgencies = nil
	for _, u := range in.Urgencies {
		c.Urgencies = append(c.Urgencies, taxonomy.UrgencyLimit{Level: taxonomy.Urgency(u.Level), Handle: u.Handle.limit()})
	}
	c.Enabled, c.Version = in.Enabled, in.Version
	return c
}

type categoryListInput struct {
	Kind    string `query:"kind" enum:"component,event" doc:"component 部件 or event 事件"`
	Major   string `query:"major" pattern:"^[0-9]{2}$" doc:"2-digit major class"`
	Enabled string `query:"enabled" enum:"true,false" doc:"only enabled, or only disabled, categories"`
	Text    string `query:"text" maxLength:"64" doc:"substring of the code or a name"`
}

type categoryListOutput struct {
	Body struct {
		Categories []CategoryJSON `json:"categories"`
	}
}

func (in categoryListInput) filter() taxonomy.Filter {
	f := taxonomy.Filter{Kind: taxonomy.Kind(in.Kind), Major: in.Major, Text: in.Text}
	if in.Enabled != "" {
		e := in.Enabled == "true"
		f.Enabled = &e
	}
	return f
}

func (s *Server) apiCategoryList(ctx context.Context, in *categoryListInput) (*categoryListOutput, error) {
	cats, err := s.taxonomy.List(ctx, actorOf(ctx), in.filter())
	if err != nil {
		return nil, err
	}
	out := &categoryListOutput{}
	out.Body.Categories = make([]CategoryJSON, 0, len(cats))
	for _, c := range cats {
		out.Body.Categories = append(out.Body.Categories, categoryJSON(c))
	}
	return out, nil
}

type categoryIDInput struct {
	ID string `path:"id" maxLength:"36"`
}

type categoryOutput struct {
	Body CategoryJSON
}

func (s *Server) apiCategoryGet(ctx context.Context, in *categoryIDInput) (*categoryOutput, error) {
	c, err := s.taxonomy.Get(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: categoryJSON(c)}, nil
}

type categoryCreateInput struct {
	Body CategoryInput
}

func (s *Server) apiCategoryCreate(ctx context.Context, in *categoryCreateInput) (*categoryOutput, error) {
	c, err := s.taxonomy.Create(ctx, actorOf(ctx), in.Body.category(taxonomy.Category{}))
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: categoryJSON(c)}, nil
}

type categoryUpdateInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body CategoryInput
}

func (s *Server) apiCategoryUpdate(ctx context.Context, in *categoryUpdateInput) (*categoryOutput, error) {
	actor := actorOf(ctx)
	cur, err := s.taxonomy.Get(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	c, err := s.taxonomy.Update(ctx, actor, in.Body.category(cur))
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: categoryJSON(c)}, nil
}

type categoryImportInput struct {
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"text/csv"`
}

type categoryImportOutput struct {
	Body taxonomy.ImportReport
}

func (s *Server) apiCategoryImport(ctx context.Context, in *categoryImportInput) (*categoryImportOutput, error) {
	data, err := csvUpload(in.ContentType, in.RawBody)
	if err != nil {
		return nil, err
	}
	rep, err := s.taxonomy.Import(ctx, actorOf(ctx), data)
	if err != nil {
		return nil, importError(err, rep)
	}
	return &categoryImportOutput{Body: rep}, nil
}

// csvUpload returns the CSV of an upload: the body itself, or the part
// "file" of a multipart form.
func csvUpload(contentType string, body []byte) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return body, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.InvalidFields(apperr.Field("file", "taxonomy.csv_no_file"))
		}
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
		}
		if p.FormName() == "file" {
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
			}
			return data, nil
		}
	}
}

// importError adds the report's row problems to a refused import's error as
// fields named "line N/column", so that the one error shape carries them.
func importError(err error, rep taxonomy.ImportReport) error {
	if len(rep.Errors) == 0 {
		return err
	}
	e := *apperr.As(err)
	e.Fields = nil
	for _, re := range rep.Errors {
		e.Fields = append(e.Fields, apperr.FieldError{Field: rowField(re), Key: re.Key, Args: re.Args})
	}
	return &e
}

func rowField(re taxonomy.RowError) string {
	if re.Column == "" {
		return fmt.Sprintf("line %d", re.Line)
	}
	return fmt.Sprintf("line %d/%s", re.Line, re.Column)
}

type categoryExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Server) apiCategoryExport(ctx context.Context, _ *struct{}) (*categoryExportOutput, error) {
	var buf bytes.Buffer
	if err := s.taxonomy.Export(ctx, actorOf(ctx), &buf); err != nil {
		return nil, err
	}
	return &categoryExportOutput{ContentType: "text/csv; charset=utf-8",
		ContentDisposition: `attachment; filename="categories.csv"`, Body: buf.Bytes()}, nil
}
