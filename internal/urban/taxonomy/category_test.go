package taxonomy_test

import (
	"slices"
	"testing"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/urban/taxonomy"
)

// valid is a category that passes Validate; each case changes one thing.
func valid() taxonomy.Category {
	return taxonomy.Category{Kind: taxonomy.Event, Code: "0102", MajorName: "市容环境", Name: "暴露垃圾",
		DepartmentID: "dept-1", Source: taxonomy.National, Enabled: true,
		FileLimit: lim(1, calendar.Workhour), DispatchLimit: lim(1, calendar.Workhour),
		HandleLimit: lim(4, calendar.Workhour), VerifyLimit: lim(2, calendar.Workhour),
		Urgencies: []taxonomy.UrgencyLimit{{Level: taxonomy.Urgent, Handle: lim(2, calendar.Workhour)}}}
}

func lim(n int, u calendar.Unit) taxonomy.Limit { return taxonomy.Limit{Amount: n, Unit: u} }

func fields(fs []apperr.FieldError) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Field+"="+f.Key)
	}
	return out
}

func TestValidateReportsEachWrongField(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *taxonomy.Category)
		want   []string
	}{
		{"valid", func(*taxonomy.Category) {}, []string{}},
		{"unknown kind", func(c *taxonomy.Category) { c.Kind = "thing" }, []string{"kind=taxonomy.kind_invalid"}},
		{"three-digit code", func(c *taxonomy.Category) { c.Code = "010" }, []string{"code=taxonomy.code_invalid"}},
		{"letters in code", func(c *taxonomy.Category) { c.Code = "01a2" }, []string{"code=taxonomy.code_invalid"}},
		{"major 00", func(c *taxonomy.Category) { c.Code = "0001" }, []string{"code=taxonomy.code_invalid"}},
		{"minor 00", func(c *taxonomy.Category) { c.Code = "0100" }, []string{"code=taxonomy.code_invalid"}},
		{"national in an extension major", func(c *taxonomy.Category) { c.Code = "0601" }, []string{"code=taxonomy.code_extension"}},
		{"city in an extension major", func(c *taxonomy.Category) { c.Code, c.Source = "0601", taxonomy.City }, []string{}},
		{"component major 06 is national", func(c *taxonomy.Category) { c.Kind, c.Code = taxonomy.Component, "0602" }, []string{}},
		{"component major 07 is extension", func(c *taxonomy.Category) { c.Kind, c.Code = taxonomy.Component, "0701" }, []string{"code=taxonomy.code_extension"}},
		{"unknown source", func(c *taxonomy.Category) { c.Source = "" }, []string{"source=taxonomy.source_invalid"}},
		{"no name", func(c *taxonomy.Category) { c.Name = "  " }, []string{"name=taxonomy.text_required"}},
		{"no major name", func(c *taxonomy.Category) { c.MajorName = "" }, []string{"major_name=taxonomy.text_required"}},
		{"name of 65 characters", func(c *taxonomy.Category) {
			c.Name = "垃" + string(slices.Repeat([]rune("圾"), 64))
		}, []string{"name=taxonomy.text_long"}},
		{"NUL in a condition", func(c *taxonomy.Category) { c.FileCondition = "a\x00b" }, []string{"file_condition=taxonomy.text_invalid"}},
		{"line breaks in a condition", func(c *taxonomy.Category) { c.CloseCondition = "一、清除\r\n二、拍照" }, []string{}},
		{"no department", func(c *taxonomy.Category) { c.DepartmentID = "" }, []string{"department=taxonomy.department_required"}},
		{"no filing limit", func(c *taxonomy.Category) { c.FileLimit = taxonomy.Limit{} }, []string{"file_limit=taxonomy.limit_required"}},
		{"zero amount", func(c *taxonomy.Category) { c.DispatchLimit.Amount = 0 }, []string{"dispatch_limit=taxonomy.limit_amount"}},
		{"unknown unit", func(c *taxonomy.Category) { c.VerifyLimit.Unit = "week" }, []string{"verify_limit=taxonomy.limit_unit"}},
		{"more than ten years", func(c *taxonomy.Category) { c.HandleLimit = lim(2501, calendar.Workday) }, []string{"handle_limit=taxonomy.limit_amount"}},
		{"normal is not an extra level", func(c *taxonomy.Category) {
			c.Urgencies = append(c.Urgencies, taxonomy.UrgencyLimit{Level: taxonomy.Normal, Handle: lim(1, calendar.Hour)})
		}, []string{"urgencies=taxonomy.urgency_invalid"}},
		{"a level twice", func(c *taxonomy.Category) {
			c.Urgencies = append(c.Urgencies, taxonomy.UrgencyLimit{Level: taxonomy.Urgent, Handle: lim(1, calendar.Hour)})
		}, []string{"urgent_handle_limit=taxonomy.urgency_twice"}},
		{"urgent slower than normal", func(c *taxonomy.Category) { c.Urgencies[0].Handle = lim(5, calendar.Workhour) }, []string{"urgent_handle_limit=taxonomy.urgency_slower"}},
		{"urgent in another unit is not compared", func(c *taxonomy.Category) { c.Urgencies[0].Handle = lim(5, calendar.Hour) }, []string{}},
		{"urgent without a limit", func(c *taxonomy.Category) { c.Urgencies[0].Handle = taxonomy.Limit{} }, []string{"urgent_handle_limit=taxonomy.limit_required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			if got := fields(c.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("Validate: %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckChangeKeepsIdentityAndNationalNames(t *testing.T) {
	city := valid()
	city.Source, city.Code = taxonomy.City, "0601"
	cases := []struct {
		name   string
		before taxonomy.Category
		change func(c *taxonomy.Category)
		want   []string
	}{
		{"limits, department, conditions and enabled may change", valid(), func(c *taxonomy.Category) {
			c.HandleLimit, c.DepartmentID, c.FileCondition, c.Enabled, c.Urgencies = lim(1, calendar.Workday), "dept-2", "x", false, nil
		}, []string{}},
		{"kind", valid(), func(c *taxonomy.Category) { c.Kind = taxonomy.Component }, []string{"kind=taxonomy.immutable"}},
		{"code", valid(), func(c *taxonomy.Category) { c.Code = "0103" }, []string{"code=taxonomy.immutable"}},
		{"source", valid(), func(c *taxonomy.Category) { c.Source = taxonomy.City }, []string{"source=taxonomy.immutable"}},
		{"national name", valid(), func(c *taxonomy.Category) { c.Name = "垃圾" }, []string{"name=taxonomy.national_name"}},
		{"national English major name", valid(), func(c *taxonomy.Category) { c.MajorNameEN = "x" }, []string{"major_name_en=taxonomy.national_name"}},
		{"city name", city, func(c *taxonomy.Category) { c.Name, c.NameEN = "油烟", "Fumes" }, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			after := tc.before.Clone()
			tc.change(&after)
			if got := fields(taxonomy.CheckChange(tc.before, after)); !slices.Equal(got, tc.want) {
				t.Fatalf("CheckChange: %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseLimitReadsCodesAndChineseUnits(t *testing.T) {
	cases := []struct {
		in      string
		want    taxonomy.Limit
		wantErr bool
	}{
		{"4 workhour", lim(4, calendar.Workhour), false},
		{"4workhour", lim(4, calendar.Workhour), false},
		{"4 工作时", lim(4, calendar.Workhour), false},
		{"15工作日", lim(15, calendar.Workday), false},
		{" 2 自然日 ", lim(2, calendar.Day), false},
		{"24 小时", lim(24, calendar.Hour), false},
		{"", taxonomy.Limit{}, false},
		{"workday", taxonomy.Limit{}, true},
		{"4", taxonomy.Limit{}, true},
		{"4 weeks", taxonomy.Limit{}, true},
		{"-1 day", taxonomy.Limit{}, true},
		{"1234567 day", taxonomy.Limit{}, true},
	}
	for _, tc := range cases {
		got, err := taxonomy.ParseLimit(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v, error %t", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err == nil && !got.IsZero() {
			if back, _ := taxonomy.ParseLimit(got.String()); back != got {
				t.Errorf("%q: String %q reads back as %v", tc.in, got.String(), back)
			}
		}
	}
}

func TestLimitPicksTheUrgencyLevelsHandlingLimit(t *testing.T) {
	c := valid()
	cases := []struct {
		stage   taxonomy.Stage
		u       taxonomy.Urgency
		want    taxonomy.Limit
		wantErr apperr.Code
	}{
		{taxonomy.StageFile, taxonomy.Normal, lim(1, calendar.Workhour), ""},
		{taxonomy.StageHandle, taxonomy.Normal, lim(4, calendar.Workhour), ""},
		{taxonomy.StageHandle, taxonomy.Urgent, lim(2, calendar.Workhour), ""},
		{taxonomy.StageVerify, taxonomy.Urgent, lim(2, calendar.Workhour), ""},
		{taxonomy.StageDispatch, taxonomy.Urgent, lim(1, calendar.Workhour), ""},
		{taxonomy.StageHandle, taxonomy.Critical, taxonomy.Limit{}, apperr.Invalid},
		{taxonomy.Stage("feedback"), taxonomy.Normal, taxonomy.Limit{}, apperr.Invalid},
	}
	for _, tc := range cases {
		got, err := c.Limit(tc.stage, tc.u)
		if apperr.CodeOf(err) != tc.wantErr && !(err == nil && tc.wantErr == "") || got != tc.want {
			t.Errorf("Limit(%s, %s) = %v, %v; want %v, %q", tc.stage, tc.u, got, err, tc.want, tc.wantErr)
		}
	}
	if !c.Offers(taxonomy.Normal) || !c.Offers(taxonomy.Urgent) || c.Offers(taxonomy.Critical) {
		t.Fatal("Offers: want normal and urgent only")
	}
}

func TestMajorConflictsFindsASecondNameForAMajorClass(t *testing.T) {
	a, b, c := valid(), valid(), valid()
	b.Code = "0103"
	c.Code, c.MajorName = "0104", "市容"
	other := valid()
	other.Kind = taxonomy.Component // same code, other kind: no conflict
	other.MajorName = "公用设施"
	got := taxonomy.MajorConflicts([]taxonomy.Category{a, b, c, other})
	if len(got) != 1 || got[2] != 0 {
		t.Fatalf("MajorConflicts: %v, want {2: 0}", got)
	}
}
