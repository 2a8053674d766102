package identity_test

import (
	"regexp"
	"strings"
	"testing"

	"chengguan/internal/identity"
)

// cheapArgon2 keeps the tests fast; production uses DefaultArgon2.
var cheapArgon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestPasswordHashRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery", "城管执法人员密码很长", strings.Repeat("x", identity.MaxPasswordLen)} {
		hash, err := identity.HashPassword(pw, cheapArgon2)
		if err != nil {
			t.Fatalf("HashPassword: %v", err)
		}
		ok, err := identity.VerifyPassword(hash, pw)
		if err != nil || !ok {
			t.Fatalf("VerifyPassword(right password): got %v, %v, want true, nil", ok, err)
		}
		ok, err = identity.VerifyPassword(hash, pw+"!")
		if err != nil || ok {
			t.Fatalf("VerifyPassword(wrong password): got %v, %v, want false, nil", ok, err)
		}
	}
}

func TestPasswordHashIsSaltedPHCString(t *testing.T) {
	h1, err := identity.HashPassword("same password", cheapArgon2)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	h2, err := identity.HashPassword("same password", cheapArgon2)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if h1 == h2 {
		t.Fatal("two hashes of the same password are equal, want different salts")
	}
	// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<16-byte salt>$<32-byte key>, unpadded base64.
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h1) {
		t.Fatalf("hash %q is not the expected PHC string", h1)
	}
	if strings.Contains(h1, "same password") {
		t.Fatal("hash contains the password")
	}
}

// A hash records its own cost, so raising the cost later keeps old hashes valid.
func TestPasswordVerifyUsesParametersInTheHash(t *testing.T) {
	other := identity.Argon2Params{MemoryKiB: 128, Time: 2, Threads: 2}
	hash, err := identity.HashPassword("long enough pw", other)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !strings.Contains(hash, "$m=128,t=2,p=2$") {
		t.Fatalf("hash %q does not record its parameters", hash)
	}
	if ok, err := identity.VerifyPassword(hash, "long enough pw"); err != nil || !ok {
		t.Fatalf("VerifyPassword: got %v, %v, want true, nil", ok, err)
	}
}

func TestPasswordVerifyRefusesMalformedHashes(t *testing.T) {
	good, err := identity.HashPassword("long enough pw", cheapArgon2)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	parts := strings.Split(good, "$") // "", "argon2id", "v=19", "m=…", salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	cases := map[string]string{
		"empty":              "",
		"plain text":         "long enough pw",
		"bcrypt":             "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":            with(1, "argon2i"),
		"wrong version":      with(2, "v=16"),
		"no version":         with(2, "x"),
		"params missing":     with(3, ""),
		"params garbage":     with(3, "m=a,t=b,p=c"),
		"zero passes":        with(3, "m=64,t=0,p=1"),
		"zero lanes":         with(3, "m=64,t=1,p=0"),
		"salt not base64":    with(4, "!!!!"),
		"key not base64":     with(5, "!!!!"),
		"key empty":          with(5, ""),
		"extra field":        good + "$extra",
		"missing field":      strings.Join(parts[:5], "$"),
		"padded base64 salt": with(4, parts[4]+"=="),
	}
	for name, hash := range cases {
		ok, err := identity.VerifyPassword(hash, "long enough pw")
		if ok || err == nil {
			t.Errorf("%s: VerifyPassword(%q) = %v, %v; want false and an error", name, hash, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		name, password, username, want string
	}{
		{"acceptable", "abcdefghij", "zhangsan", ""},
		{"nine characters", "abcdefghi", "zhangsan", "password.too_short"},
		{"empty", "", "zhangsan", "password.too_short"},
		{"ten Chinese characters count as ten", "城市管理综合执法局好", "zhangsan", ""},
		{"nine Chinese characters", "城市管理综合执法局", "zhangsan", "password.too_short"},
		{"at the byte limit", strings.Repeat("a", identity.MaxPasswordLen), "zhangsan", ""},
		{"over the byte limit", strings.Repeat("a", identity.MaxPasswordLen+1), "zhangsan", "password.too_long"},
		{"over the limit in bytes, not runes", strings.Repeat("城", identity.MaxPasswordLen/3+1), "zhangsan", "password.too_long"},
		{"equals username", "zhangsan.01", "zhangsan.01", "password.equals_username"},
		{"equals username in other case", "ZhangSan.01", "zhangsan.01", "password.equals_username"},
		{"invalid UTF-8", "abcdefghij\xff", "zhangsan", "field.invalid_utf8"},
	}
	for _, c := range cases {
		if got := identity.CheckPasswordPolicy(c.password, c.username); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if identity.MinPasswordLen != 10 {
		t.Fatalf("MinPasswordLen: got %d, want 10", identity.MinPasswordLen)
	}
}

func TestHashSecretIsSHA256Hex(t *testing.T) {
	got := identity.HashSecret("cgs_example")
	if len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
		t.Fatalf("HashSecret: got %q, want 64 lower-case hex digits", got)
	}
	if got == identity.HashSecret("cgs_example2") || got != identity.HashSecret("cgs_example") {
		t.Fatal("HashSecret is not a deterministic, distinguishing hash")
	}
}
