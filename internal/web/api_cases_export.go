package web

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/xuri/excelize/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

func (s *Server) caseExportRoutes(api huma.API) {
	for _, format := range []string{"csv", "xlsx"} {
		huma.Register(api, huma.Operation{OperationID: "export-cases-" + format, Method: http.MethodGet,
			Path:    "/cases/export." + format,
			Summary: "Every case of the filters in your scope, streamed as " + format + " (no reporter identity)",
			Description: "Same filters as GET /cases, without paging. Rows are written as they are read, so memory " +
				"stays flat however many cases match. Column headings follow Accept-Language.",
			Tags: []string{"cases"}}, s.apiExportCases(format))
	}
}

type exportCasesInput struct {
	State      []string `query:"state"`
	Overdue    bool     `query:"overdue"`
	Department string   `query:"department_id"`
	Category   string   `query:"category_id"`
	Channel    string   `query:"channel" enum:"inspector,hotline,resident,open311,"`
	Q          string   `query:"q" maxLength:"100"`
	From       string   `query:"from" doc:"reported on or after this day or instant"`
	To         string   `query:"to" doc:"reported before this day or instant"`
}

// exportColumns are the export's columns: translation key of the heading.
var exportColumns = []string{"export.number", "export.reported_at", "export.channel", "export.category_code",
	"export.category", "export.urgency", "export.state", "export.description", "export.address", "export.grid",
	"export.community", "export.department", "export.filed_at", "export.dispatched_at", "export.handle_due",
	"export.handled_at", "export.closed_at", "export.overdue", "export.reworks", "export.extensions", "export.rating"}

func (s *Server) apiExportCases(format string) func(context.Context, *exportCasesInput) (*huma.StreamResponse, error) {
	return func(ctx context.Context, in *exportCasesInput) (*huma.StreamResponse, error) {
		f := urban.Filter{Overdue: in.Overdue, DepartmentID: in.Department, CategoryID: in.Category,
			Channel: urban.Channel(in.Channel), Text: in.Q}
		for _, st := range in.State {
			if !urban.State(st).Valid() {
				return nil, apperr.InvalidFields(apperr.Field("state", "case.state_unknown"))
			}
			f.States = append(f.States, urban.State(st))
		}
		var err error
		if in.From != "" {
			if f.From, err = calendar.ParseStart(in.From); err != nil {
				return nil, apperr.InvalidFields(apperr.Field("from", "indicator.period"))
			}
		}
		if in.To != "" {
			if f.To, err = calendar.ParseStart(in.To); err != nil {
				return nil, apperr.InvalidFields(apperr.Field("to", "indicator.period"))
			}
		}
		actor := actorOf(ctx)
		// Refuse before the first byte, so a refusal keeps the error shape.
		if _, d := identity.ScopeFor(actor, identity.ActCaseView); !d.Allowed {
			return nil, d.Err()
		}
		loc := info(ctx).loc
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			name := "cases-" + time.Now().In(calendar.Location()).Format("20060102-150405") + "." + format
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+`"`)
			hctx.SetHeader("Cache-Control", "no-store")
			rows := &exportRows{s: s, ctx: ctx, loc: loc, names: map[string]string{}}
			var err error
			if format == "csv" {
				hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
				err = rows.csv(hctx.BodyWriter(), actor, f)
			} else {
				hctx.SetHeader("Content-Type", xlsxType)
				err = rows.xlsx(hctx.BodyWriter(), actor, f)
			}
			if err != nil && ctx.Err() == nil {
				// The status line is gone; the truncated file and the log say it failed.
				s.log.Error("case export failed", "request_id", info(ctx).id, "format", format, "err", err)
			}
		}}, nil
	}
}

// errTooManyRows stops an xlsx export at the sheet's row limit (CSV has none).
var errTooManyRows = errors.New("more cases than an xlsx sheet holds (1,048,576 rows): export CSV instead")

// exportRows turns cases into rows, naming categories and units once each.
type exportRows struct {
	s     *Server
	ctx   context.Context
	loc   *i18n.Localizer
	names map[string]string
}

func (e *exportRows) heading() []string {
	out := make([]string, len(exportColumns))
	for i, k := range exportColumns {
		out[i] = e.loc.T(k, nil)
	}
	return out
}

func (e *exportRows) unitName(id string) string {
	if id == "" {
		return ""
	}
	if n, ok := e.names["u:"+id]; ok {
		return n
	}
	n := id
	if u, err := e.s.identity.Unit(e.ctx, identity.System(), id); err == nil {
		n = u.Name
	}
	e.names["u:"+id] = n
	return n
}

func (e *exportRows) categoryName(id string) string {
	if n, ok := e.names["c:"+id]; ok {
		return n
	}
	n := ""
	if c, err := e.s.taxonomy.Category(e.ctx, id); err == nil {
		n = c.Name
		if e.loc.Lang == i18n.EN && c.NameEN != "" {
			n = c.NameEN
		}
	}
	e.names["c:"+id] = n
	return n
}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location()).Format("2006-01-02 15:04")
}

func (e *exportRows) row(c *urban.Case, now time.Time) []string {
	overdue := ""
	if c.Overdue(now) {
		overdue = e.loc.T("export.yes", nil)
	}
	rating := ""
	if c.Rating > 0 {
		rating = strconv.Itoa(c.Rating)
	}
	return []string{c.Number, exportTime(c.ReportedAt), e.loc.T("case.channel."+string(c.Channel), nil), c.Category,
		e.categoryName(c.CategoryID), e.loc.T("case.urgency."+string(c.Urgency), nil), e.loc.T(c.State.LabelKey(), nil),
		c.Description, c.Address, c.GridCode, e.unitName(c.UnitID), e.unitName(c.DepartmentID), exportTime(c.FiledAt),
		exportTime(c.DispatchedAt), exportTime(c.HandleDue), exportTime(c.HandledAt), exportTime(c.ClosedAt), overdue,
		strconv.Itoa(c.Reworks), strconv.Itoa(c.Extensions), rating}
}

// csv writes UTF-8 with a BOM, which Excel in China needs to read it as UTF-8.
func (e *exportRows) csv(w io.Writer, actor *identity.Actor, f urban.Filter) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(e.heading()); err != nil {
		return err
	}
	now := time.Now()
	n := 0
	err := e.s.urban.Export(e.ctx, actor, f, func(c *urban.Case) error {
		if err := cw.Write(e.row(c, now)); err != nil {
			return err
		}
		if n++; n%1000 == 0 {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// xlsx writes through excelize's stream writer, which keeps rows on disk, not in memory.
func (e *exportRows) xlsx(w io.Writer, actor *identity.Actor, f urban.Filter) error {
	book := excelize.NewFile()
	defer book.Close()
	sheet := e.loc.T("export.sheet", nil)
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cells := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out
	}
	if err := sw.SetRow("A1", cells(e.heading())); err != nil {
		return err
	}
	now := time.Now()
	r := 1
	err = e.s.urban.Export(e.ctx, actor, f, func(c *urban.Case) error {
		r++
		if r > excelize.TotalRows {
			return errTooManyRows
		}
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells(e.row(c, now)))
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = book.WriteTo(w)
	return err
}
