// Agora's build of FerretDB adds this file to internal/handler/sjson (see install.py).
//
// Upstream decodes each stored document with encoding/json several times over: the whole
// document into a map of raw values, its "$s" schema into structs by reflection, then every
// value again through a fresh json.Decoder, recursively. On reads that was about two thirds of
// FerretDB's CPU (go tool pprof). fastUnmarshal walks the document once, guided by its schema,
// and builds the same *types.Document. Anything it does not expect (an unknown schema field, a
// duplicate key, a malformed number, invalid UTF-8) makes it give up, and the upstream decoder
// then decodes the document and reports any error exactly as before.

package sjson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash/maphash"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/types"
)

// span is a JSON value inside the document: data[start:end].
type span struct {
	start, end int
}

// member is one key and value of a JSON object.
type member struct {
	key   string
	value span
}

type fastDecoder struct {
	data []byte
	pos  int
}

// fastUnmarshal is Unmarshal's fast path; ok is false when the upstream decoder must decide.
func fastUnmarshal(data []byte) (doc *types.Document, ok bool) {
	d := fastDecoder{data: data}

	members, ok := d.object()
	if !ok || !d.atEnd() {
		return nil, false
	}

	schemaAt := -1

	for i, m := range members {
		if m.key == "$s" {
			if schemaAt >= 0 {
				return nil, false
			}

			schemaAt = i
		}
	}

	if schemaAt < 0 {
		return nil, false
	}

	sch, ok := d.cachedSchema(members[schemaAt].value)
	if !ok {
		return nil, false
	}

	rest := make([]member, 0, len(members)-1)
	rest = append(rest, members[:schemaAt]...)
	rest = append(rest, members[schemaAt+1:]...)

	return d.fields(rest, sch)
}

// fields decodes an object's members in the order of the schema's keys.
func (d *fastDecoder) fields(members []member, sch *schema) (*types.Document, bool) {
	if sch == nil || len(sch.Keys) != len(members) || hasDuplicateKeys(members) {
		return nil, false
	}

	doc, err := types.NewDocument()
	if err != nil {
		return nil, false
	}

	for i, key := range sch.Keys {
		m, found := findMember(members, key, i)
		if !found {
			return nil, false
		}

		value, ok := d.value(m.value, sch.Properties[key])
		if !ok {
			return nil, false
		}

		if doc.Has(key) {
			return nil, false
		}

		doc.Set(key, value)
	}

	return doc, true
}

// findMember finds key among members; FerretDB writes them in the schema's order, so the
// member at hint is checked first.
func findMember(members []member, key string, hint int) (member, bool) {
	if hint < len(members) && members[hint].key == key {
		return members[hint], true
	}

	for _, m := range members {
		if m.key == key {
			return m, true
		}
	}

	return member{}, false
}

func hasDuplicateKeys(members []member) bool {
	if len(members) <= 16 {
		for i := range members {
			for j := i + 1; j < len(members); j++ {
				if members[i].key == members[j].key {
					return true
				}
			}
		}

		return false
	}

	seen := make(map[string]struct{}, len(members))

	for _, m := range members {
		if _, dup := seen[m.key]; dup {
			return true
		}

		seen[m.key] = struct{}{}
	}

	return false
}

// value decodes one value as its schema element says, as unmarshalSingleValue does.
func (d *fastDecoder) value(s span, el *elem) (any, bool) {
	raw := d.data[s.start:s.end]

	if bytes.Equal(raw, []byte("null")) {
		return types.Null, true
	}

	if el == nil {
		return nil, false
	}

	switch el.Type {
	case elemTypeObject:
		members, ok := d.at(s).wholeObject()
		if !ok {
			return nil, false
		}

		if len(members) == 0 {
			return &types.Document{}, true
		}

		return d.fields(members, el.Schema)

	case elemTypeArray:
		items, ok := d.at(s).wholeArray()
		if !ok || (len(items) > 0 && el.Items == nil) || len(items) != len(el.Items) {
			return nil, false
		}

		arr := types.MakeArray(len(items))

		for i, item := range items {
			v, ok := d.value(item, el.Items[i])
			if !ok {
				return nil, false
			}

			arr.Append(v)
		}

		return arr, true

	case elemTypeDouble:
		if !isJSONNumber(raw) {
			return nil, false
		}

		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, false
		}

		return f, true

	case elemTypeString:
		return jsonString(raw)

	case elemTypeBinData:
		str, ok := jsonString(raw)
		if !ok || el.Subtype == nil {
			return nil, false
		}

		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, false
		}

		return types.Binary{B: b, Subtype: *el.Subtype}, true

	case elemTypeObjectID:
		str, ok := jsonString(raw)
		if !ok {
			return nil, false
		}

		b, err := hex.DecodeString(str)
		if err != nil || len(b) != types.ObjectIDLen {
			return nil, false
		}

		var id types.ObjectID
		copy(id[:], b)

		return id, true

	case elemTypeBool:
		switch string(raw) {
		case "true":
			return true, true
		case "false":
			return false, true
		}

		return nil, false

	case elemTypeDate:
		ms, ok := jsonInteger(raw, 64)
		if !ok {
			return nil, false
		}

		return time.UnixMilli(ms), true

	case elemTypeRegex:
		str, ok := jsonString(raw)
		if !ok || el.Options == nil {
			return nil, false
		}

		return types.Regex{Pattern: str, Options: *el.Options}, true

	case elemTypeInt:
		i, ok := jsonInteger(raw, 32)
		if !ok {
			return nil, false
		}

		return int32(i), true

	case elemTypeTimestamp:
		if !isJSONNumber(raw) {
			return nil, false
		}

		u, err := strconv.ParseUint(string(raw), 10, 64)
		if err != nil {
			return nil, false
		}

		return types.Timestamp(u), true

	case elemTypeLong:
		i, ok := jsonInteger(raw, 64)
		if !ok {
			return nil, false
		}

		return i, true
	}

	return nil, false
}

// decodedCacheSize is how many decoded values a decodedCache holds; when full it starts over.
const decodedCacheSize = 2048

// decodedCacheMaxBytes bounds the texts kept: an array's schema has an element per item, so
// long arrays make long schemas that few documents share; those are decoded every time.
const decodedCacheMaxBytes = 8 << 10

// decodedCache holds values decoded from JSON texts, by the text, once a text has been seen
// twice: a text seen once may be unique to its document (a key made of an id, as in Agora's
// applied-versions map), and keeping those would only churn the cache. Values are never
// modified after decoding, so goroutines share them.
type decodedCache[T any] struct {
	mu       sync.RWMutex
	byText   map[string]T
	seenOnce map[uint64]struct{}
}

func newDecodedCache[T any]() *decodedCache[T] {
	return &decodedCache[T]{
		byText:   make(map[string]T, decodedCacheSize),
		seenOnce: make(map[uint64]struct{}, decodedCacheSize),
	}
}

var decodedCacheSeed = maphash.MakeSeed()

// get is decode(text), remembered by text.
func (c *decodedCache[T]) get(text []byte, decode func() (T, bool)) (T, bool) {
	if len(text) > decodedCacheMaxBytes {
		return decode()
	}

	c.mu.RLock()
	value, found := c.byText[string(text)]
	c.mu.RUnlock()

	if found {
		return value, true
	}

	value, ok := decode()
	if !ok {
		return value, false
	}

	hash := maphash.Bytes(decodedCacheSeed, text)

	c.mu.Lock()
	defer c.mu.Unlock()

	if _, seen := c.seenOnce[hash]; !seen {
		if len(c.seenOnce) >= decodedCacheSize {
			clear(c.seenOnce)
		}
		c.seenOnce[hash] = struct{}{}

		return value, true
	}

	delete(c.seenOnce, hash)

	if len(c.byText) >= decodedCacheSize {
		clear(c.byText)
	}
	c.byText[string(text)] = value

	return value, true
}

// The documents of a collection mostly share a few schemas (one per shape), and decoding the
// "$s" of every document read was about half of decoding it (pprof, go test -bench). Where a
// whole schema is unique to its document, most of its properties' elements are not.
var (
	schemaCache = newDecodedCache[*schema]()
	elemCache   = newDecodedCache[*elem]()
)

// cachedSchema is schema() at s, remembered by the schema's text.
func (d *fastDecoder) cachedSchema(s span) (*schema, bool) {
	return schemaCache.get(d.data[s.start:s.end], d.at(s).schema)
}

// cachedElem is elem() at s, remembered by the element's text.
func (d *fastDecoder) cachedElem(s span) (*elem, bool) {
	return elemCache.get(d.data[s.start:s.end], d.at(s).elem)
}

// schema decodes a "$s" value: {"p": {key: elem, ...}, "$k": [key, ...]}.
func (d *fastDecoder) schema() (*schema, bool) {
	members, ok := d.wholeObject()
	if !ok {
		return nil, false
	}

	sch := new(schema)

	for _, m := range members {
		switch m.key {
		case "p":
			props, ok := d.at(m.value).wholeObject()
			if !ok || sch.Properties != nil {
				return nil, false
			}

			sch.Properties = make(map[string]*elem, len(props))

			for _, p := range props {
				if _, dup := sch.Properties[p.key]; dup {
					return nil, false
				}

				el, ok := d.cachedElem(p.value)
				if !ok {
					return nil, false
				}

				sch.Properties[p.key] = el
			}

		case "$k":
			items, ok := d.at(m.value).wholeArray()
			if !ok || sch.Keys != nil {
				return nil, false
			}

			sch.Keys = make([]string, len(items))

			for i, item := range items {
				key, ok := jsonString(d.data[item.start:item.end])
				if !ok {
					return nil, false
				}

				sch.Keys[i] = key
			}

		default:
			return nil, false
		}
	}

	return sch, true
}

// elem decodes one schema element: {"t": type, "$s": schema, "o": options, "i": [elem],
// "s": subtype}.
func (d *fastDecoder) elem() (*elem, bool) {
	members, ok := d.wholeObject()
	if !ok {
		return nil, false
	}

	el := new(elem)
	var seen [5]bool // t, $s, o, i, s

	for _, m := range members {
		raw := d.data[m.value.start:m.value.end]

		field := elemFields[m.key]
		if field == 0 || seen[field-1] {
			return nil, false
		}

		seen[field-1] = true

		switch m.key {
		case "t":
			t, ok := jsonString(raw)
			if !ok {
				return nil, false
			}

			el.Type = elemType(t)

		case "$s":
			sch, ok := d.at(m.value).schema()
			if !ok {
				return nil, false
			}

			el.Schema = sch

		case "o":
			options, ok := jsonString(raw)
			if !ok {
				return nil, false
			}

			el.Options = &options

		case "i":
			items, ok := d.at(m.value).wholeArray()
			if !ok {
				return nil, false
			}

			el.Items = make([]*elem, len(items))

			for i, item := range items {
				itemElem, ok := d.at(item).elem()
				if !ok {
					return nil, false
				}

				el.Items[i] = itemElem
			}

		case "s":
			if !isJSONNumber(raw) {
				return nil, false
			}

			subtype, err := strconv.ParseUint(string(raw), 10, 8)
			if err != nil {
				return nil, false
			}

			bs := types.BinarySubtype(subtype)
			el.Subtype = &bs
		}
	}

	return el, true
}

// elemFields numbers the fields of a schema element from 1 (0: not a field).
var elemFields = map[string]int{"t": 1, "$s": 2, "o": 3, "i": 4, "s": 5}

// at is a decoder positioned on the value s.
func (d *fastDecoder) at(s span) *fastDecoder {
	return &fastDecoder{data: d.data[:s.end], pos: s.start}
}

// wholeObject reads an object that must fill the decoder's data.
func (d *fastDecoder) wholeObject() ([]member, bool) {
	members, ok := d.object()
	return members, ok && d.atEnd()
}

// wholeArray reads an array that must fill the decoder's data.
func (d *fastDecoder) wholeArray() ([]span, bool) {
	items, ok := d.array()
	return items, ok && d.atEnd()
}

func (d *fastDecoder) atEnd() bool {
	d.skipSpace()
	return d.pos == len(d.data)
}

func (d *fastDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// object reads {"key": value, ...}, keeping where each value is.
func (d *fastDecoder) object() ([]member, bool) {
	members := make([]member, 0, 8)

	empty, ok := d.open('{', '}')
	if !ok || empty {
		return members, ok
	}

	for {
		d.skipSpace()

		keyStart := d.pos
		if !d.skipString() {
			return nil, false
		}

		key, ok := jsonString(d.data[keyStart:d.pos])
		if !ok {
			return nil, false
		}

		d.skipSpace()

		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, false
		}

		d.pos++

		value, ok := d.skipValue()
		if !ok {
			return nil, false
		}

		members = append(members, member{key: key, value: value})

		closed, ok := d.separator('}')
		if !ok || closed {
			return members, ok
		}
	}
}

// array reads [value, ...], keeping where each value is.
func (d *fastDecoder) array() ([]span, bool) {
	items := make([]span, 0, 8)

	empty, ok := d.open('[', ']')
	if !ok || empty {
		return items, ok
	}

	for {
		item, ok := d.skipValue()
		if !ok {
			return nil, false
		}

		items = append(items, item)

		closed, ok := d.separator(']')
		if !ok || closed {
			return items, ok
		}
	}
}

// open moves past an object's or array's opening bracket, and past its closing one too when
// nothing is between them (empty).
func (d *fastDecoder) open(opening, closing byte) (empty, ok bool) {
	d.skipSpace()

	if d.pos >= len(d.data) || d.data[d.pos] != opening {
		return false, false
	}

	d.pos++
	d.skipSpace()

	if d.pos < len(d.data) && d.data[d.pos] == closing {
		d.pos++
		return true, true
	}

	return false, true
}

// separator moves past the comma after a member or item, or past the closing bracket (closed).
func (d *fastDecoder) separator(closing byte) (closed, ok bool) {
	d.skipSpace()

	if d.pos >= len(d.data) {
		return false, false
	}

	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, true
	case closing:
		d.pos++
		return true, true
	}

	return false, false
}

// skipValue moves past one value and says where it was; nested values are only checked for
// balance here, and decoded (and validated) when their schema element is.
func (d *fastDecoder) skipValue() (span, bool) {
	d.skipSpace()

	start := d.pos
	if d.pos >= len(d.data) {
		return span{}, false
	}

	switch c := d.data[d.pos]; {
	case c == '"':
		if !d.skipString() {
			return span{}, false
		}

	case c == '{' || c == '[':
		depth := 0

		for d.pos < len(d.data) {
			switch d.data[d.pos] {
			case '"':
				if !d.skipString() {
					return span{}, false
				}

				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}

			d.pos++

			if depth == 0 {
				return span{start, d.pos}, true
			}
		}

		return span{}, false

	default:
		for d.pos < len(d.data) {
			switch d.data[d.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return span{start, d.pos}, d.pos > start
			}

			d.pos++
		}
	}

	return span{start, d.pos}, d.pos > start
}

// skipString moves past a JSON string starting at pos.
func (d *fastDecoder) skipString() bool {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return false
	}

	for i := d.pos + 1; i < len(d.data); i++ {
		switch d.data[i] {
		case '\\':
			i++
		case '"':
			d.pos = i + 1
			return true
		}
	}

	return false
}

// jsonString decodes a JSON string literal. Strings with escapes or non-ASCII bytes that are
// not valid UTF-8 go through encoding/json, which decodes them as upstream does.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}

	body := raw[1 : len(raw)-1]
	plain := true

	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			plain = false
			break
		}
	}

	if plain && utf8.Valid(body) {
		return string(body), true
	}

	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}

	return s, true
}

// jsonInteger decodes a JSON integer that fits in bits.
func jsonInteger(raw []byte, bits int) (int64, bool) {
	if !isJSONNumber(raw) {
		return 0, false
	}

	i, err := strconv.ParseInt(string(raw), 10, bits)
	if err != nil {
		return 0, false
	}

	return i, true
}

// isJSONNumber reports whether raw is a number in JSON's grammar (strconv accepts more:
// "Inf", "0x1p-2", "1_000", leading "+").
func isJSONNumber(raw []byte) bool {
	i := 0
	if i < len(raw) && raw[i] == '-' {
		i++
	}

	if i >= len(raw) {
		return false
	}

	if raw[i] == '0' {
		i++
	} else if raw[i] >= '1' && raw[i] <= '9' {
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
	} else {
		return false
	}

	if i < len(raw) && raw[i] == '.' {
		i++
		digits := i

		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}

		if i == digits {
			return false
		}
	}

	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++

		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}

		digits := i

		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}

		if i == digits {
			return false
		}
	}

	return i == len(raw)
}
