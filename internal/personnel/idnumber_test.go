package personnel

import (
	"testing"
)

func TestNormalizeIDFollowsGB11643(t *testing.T) {
	tests := []struct {
		in, want, flag, err string
	}{
		{"11010519491231002X", "11010519491231002X", "", ""},
		{"11010519491231002x", "11010519491231002X", "", ""},
		// The standard's own example: a defunct address code and a birth in 1880.
		{"440524188001010014", "440524188001010014", "", ""},
		{"11010519491231002", "", "", "personnel.id_length"},
		{"110105194912310021", "", "", "personnel.id_checksum"},
		{"11010519491331002X", "", "", "personnel.id_birth"},
		{"1101051949123100AX", "", "", "personnel.id_chars"},
		// A province code that no longer exists is kept, flagged.
		{"990105194912310023", "990105194912310023", IDFlagOldAddress, ""},
		// 15 digits: upgraded to 18 with "19" and the check character.
		{"110105491231002", "11010519491231002X", IDFlagUpgraded15, ""},
	}
	for _, tt := range tests {
		got, flag, err := NormalizeID(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || flag != tt.flag || gotErr != tt.err {
			t.Errorf("NormalizeID(%s) = %q %q %q, want %q %q %q", tt.in, got, flag, gotErr, tt.want, tt.flag, tt.err)
		}
	}
}

func TestIDEncodesBirthAndGender(t *testing.T) {
	if b, ok := IDBirthDate("440524188001010014"); !ok || b.String() != "1880-01-01" {
		t.Fatalf("birth %v %v", b, ok)
	}
	if g := IDGender("440524188001010014"); g != "male" {
		t.Fatalf("gender %s, want male", g)
	}
	if g := IDGender("11010519491231002X"); g != "female" {
		t.Fatalf("gender %s, want female", g)
	}
}

func TestMasking(t *testing.T) {
	if m := MaskID("11010519491231002X"); m != "110105********002X" {
		t.Fatalf("MaskID %s", m)
	}
	if m := MaskPhone("13812345678"); m != "138****5678" {
		t.Fatalf("MaskPhone %s", m)
	}
	if m := MaskPhone("123"); m != "***" {
		t.Fatalf("short %s", m)
	}
}
