package personnel

import (
	"errors"
	"strings"
	"time"
)

// ID number problems, as translation keys.
var (
	errIDLength   = errors.New("personnel.id_length")
	errIDChars    = errors.New("personnel.id_chars")
	errIDBirth    = errors.New("personnel.id_birth")
	errIDChecksum = errors.New("personnel.id_checksum")
)

// Flags on an ID number that is accepted but worth a look (FACTS §0.5, §9.2).
const (
	IDFlagUpgraded15 = "upgraded_15"     // a 15-digit number, upgraded to 18
	IDFlagOldAddress = "unusual_address" // the address code's province is not a current one
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// idCheck returns the GB 11643 check character (ISO 7064 MOD 11-2) of 17 digits.
func idCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// currentProvinces are the first two digits of today's GB/T 2260 provinces.
// A code outside them is kept, only flagged: codes change and old ones persist.
const currentProvinces = " 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 "

// NormalizeID checks a resident ID number (公民身份号码, GB 11643-1999) and
// returns it in its 18-character form with an upper-case X, with a flag for
// numbers that are accepted but unusual. The check character must be right
// and the birth date a real day; the address code is not checked against
// the current list and birth years before 1900 are accepted (FACTS §9.2).
// A legacy 15-digit number is upgraded by inserting "19" and appending the
// check character. The error is a translation key; it never quotes the number.
func NormalizeID(s string) (id, flag string, err error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch len(s) {
	case 15:
		if !allDigits(s) {
			return "", "", errIDChars
		}
		s17 := s[:6] + "19" + s[6:]
		s, flag = s17+string(idCheck(s17)), IDFlagUpgraded15
	case 18:
		if !allDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9') {
			return "", "", errIDChars
		}
	default:
		return "", "", errIDLength
	}
	birth, perr := time.Parse("20060102", s[6:14])
	if perr != nil || birth.Year() < 1800 || birth.After(time.Now().AddDate(1, 0, 0)) {
		return "", "", errIDBirth
	}
	if idCheck(s[:17]) != s[17] {
		return "", "", errIDChecksum
	}
	if flag == "" && !strings.Contains(currentProvinces, " "+s[:2]+" ") {
		flag = IDFlagOldAddress
	}
	return s, flag, nil
}

// IDBirthDate and IDGender read the birth date and gender an 18-character ID
// number encodes (odd sequence = male).
func IDBirthDate(id string) (Date, bool) {
	if len(id) != 18 {
		return Date{}, false
	}
	t, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return Date{}, false
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, true
}

// IDGender returns "male" or "female" from the sequence code.
func IDGender(id string) string {
	if len(id) != 18 {
		return ""
	}
	if (id[16]-'0')%2 == 1 {
		return "male"
	}
	return "female"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MaskID shows the first 6 and last 4 characters of an ID number
// (410402********1234); MaskPhone the first 3 and last 4 digits.
func MaskID(id string) string { return mask(id, 6, 4) }

// MaskPhone masks a phone number (138****5678).
func MaskPhone(p string) string { return mask(p, 3, 4) }

func mask(s string, head, tail int) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
