// Package i18n translates user-facing text. Every message is a key in the
// embedded locale files; Simplified Chinese (zh-CN) is the default and
// English (en) the second language. Code never concatenates user text.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// The supported languages, default first.
const (
	ZH = "zh-CN"
	EN = "en"
)

// Languages lists the supported languages, default first.
func Languages() []string { return []string{ZH, EN} }

// Bundle holds every message in every language.
type Bundle struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	locs    map[string]*Localizer
}

// New loads the embedded locale files. A language's messages are
// locales/<lang>.json plus any number of per-capability files
// locales/<area>.<lang>.json; a key defined twice for one language is an error.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.SimplifiedChinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, lang := range Languages() {
		files, err := localeFilesOf(lang)
		if err != nil {
			return nil, err
		}
		if _, err := messagesOf(lang); err != nil {
			return nil, err
		}
		for _, f := range files {
			raw, err := localeFiles.ReadFile(f)
			if err != nil {
				return nil, err
			}
			// go-i18n takes the language from the file name's last dotted part.
			if _, err := b.ParseMessageFileBytes(raw, f); err != nil {
				return nil, fmt.Errorf("load locale %s: %w", f, err)
			}
		}
	}
	out := &Bundle{
		bundle:  b,
		matcher: language.NewMatcher([]language.Tag{language.MustParse(ZH), language.English}),
		locs:    map[string]*Localizer{},
	}
	for _, lang := range Languages() {
		out.locs[lang] = &Localizer{Lang: lang, loc: goi18n.NewLocalizer(b, lang)}
	}
	return out, nil
}

// For returns the localizer of a supported language, or the default.
func (b *Bundle) For(lang string) *Localizer {
	if l, ok := b.locs[lang]; ok {
		return l
	}
	return b.locs[ZH]
}

// Match picks the supported language for an Accept-Language header;
// anything unmatched is zh-CN.
func (b *Bundle) Match(acceptLanguage string) *Localizer {
	if acceptLanguage == "" {
		return b.For(ZH)
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return b.For(ZH)
	}
	_, idx, conf := b.matcher.Match(tags...)
	if conf == language.No {
		return b.For(ZH)
	}
	return b.For(Languages()[idx])
}

// localeFilesOf lists the embedded files of one language, sorted.
func localeFilesOf(lang string) ([]string, error) {
	all, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range all {
		base := path.Base(f)
		if base == lang+".json" || strings.HasSuffix(base, "."+lang+".json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no locale files for %s", lang)
	}
	return out, nil
}

// messagesOf merges every file of a language into one key → text map,
// refusing a key that two files define.
func messagesOf(lang string) (map[string]string, error) {
	files, err := localeFilesOf(lang)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	from := map[string]string{}
	for _, f := range files {
		raw, err := localeFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("locale %s: %w", f, err)
		}
		for k, v := range m {
			if prev, dup := from[k]; dup {
				return nil, fmt.Errorf("locale key %q is in both %s and %s", k, prev, f)
			}
			out[k], from[k] = v, f
		}
	}
	return out, nil
}

// Keys lists the message keys of a language across all its files, for tests.
func Keys(lang string) ([]string, error) {
	m, err := messagesOf(lang)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Localizer translates into one language.
type Localizer struct {
	Lang string
	loc  *goi18n.Localizer
}

// T translates key with optional template data. A missing key shows the key
// itself, which the locale tests prevent from shipping.
func (l *Localizer) T(key string, data map[string]any) string {
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		return key
	}
	return s
}

// List joins translated keys with the language's list separator.
func (l *Localizer) List(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = l.T(k, nil)
	}
	if l.Lang == ZH {
		return strings.Join(parts, "、")
	}
	return strings.Join(parts, ", ")
}
