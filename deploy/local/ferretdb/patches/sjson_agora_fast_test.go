// Agora's differential test of sjson_agora_fast.go against upstream's decoder. Not part of the
// build: copy both files into internal/handler/sjson of a patched FerretDB source and run
// `go test ./internal/handler/sjson/` there (it needs testify, as upstream's tests do).

package sjson

import (
	"bytes"
	"math"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

var pieces = []string{"a", "é", "<b>", "&amp;", "\"", "\\", "\n", "\t", "\u2028", "日本", "😀", "\x01", "/", " ", "\u00e9t\u00e9", "$", "."}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for i := r.Intn(6); i > 0; i-- {
		b.WriteString(pieces[r.Intn(len(pieces))])
	}
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	k := r.Intn(14)
	if depth > 3 && k < 2 {
		k = 2 + r.Intn(12)
	}
	switch k {
	case 0:
		return randDoc(r, depth+1)
	case 1:
		a := types.MakeArray(0)
		for i := r.Intn(4); i > 0; i-- {
			a.Append(randValue(r, depth+1))
		}
		return a
	case 2:
		fs := []float64{0, math.Copysign(0, -1), 1.5, -2.25e-300, 1e300, math.MaxFloat64, math.SmallestNonzeroFloat64, float64(r.Int63()), r.NormFloat64()}
		return fs[r.Intn(len(fs))]
	case 3:
		return randString(r)
	case 4:
		return types.Binary{B: []byte(randString(r)), Subtype: types.BinarySubtype([]byte{0, 4, 0x80, 0xff}[r.Intn(4)])}
	case 5:
		var id types.ObjectID
		r.Read(id[:])
		return id
	case 6:
		return r.Intn(2) == 0
	case 7:
		return time.UnixMilli(r.Int63n(1<<45) - 1<<44)
	case 8:
		return types.Null
	case 9:
		return types.Regex{Pattern: randString(r), Options: "im"}
	case 10:
		return int32(r.Int63n(1<<32) - 1<<31)
	case 11:
		return types.Timestamp(r.Uint64())
	case 12:
		return []int64{math.MaxInt64, math.MinInt64, 0, r.Int63()}[r.Intn(4)]
	default:
		return randString(r)
	}
}

func randDoc(r *rand.Rand, depth int) *types.Document {
	d, _ := types.NewDocument()
	for i := r.Intn(6); i > 0; i-- {
		key := strings.Map(func(c rune) rune {
			if c < 0x20 || c == '"' || c == '\\' {
				return 'x'
			}
			return c
		}, randString(r))
		if strings.HasPrefix(key, "$") || key == "" {
			key = "k" + key
		}
		if d.Has(key) {
			continue
		}
		d.Set(key, randValue(r, depth))
	}
	return d
}

func TestAgoraFastUnmarshalMatchesUpstream(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	fast, refused := 0, 0
	for n := 0; n < 20000; n++ {
		doc := randDoc(r, 0)
		data, err := Marshal(doc)
		if err != nil {
			continue
		}
		want, err := upstreamUnmarshal(data)
		got, ok := fastUnmarshal(data)
		if err != nil {
			if ok {
				t.Fatalf("fast path accepted what upstream refuses: %s", data)
			}
			if refused == 0 {
				t.Logf("upstream refuses %s: %v", data, err)
			}
			refused++
			continue
		}
		if !ok {
			continue
		}
		fast++
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("differ on %s:\n got %#v\nwant %#v", data, got, want)
		}
	}
	if fast < 19000-refused {
		t.Fatalf("fast path took only %d of %d", fast, 20000-refused)
	}
	t.Logf("fast path decoded %d of %d (upstream refused %d)", fast, 20000-refused, refused)
}

func TestAgoraFastUnmarshalReusesSchemas(t *testing.T) {
	// The second decoding of each document takes its schema from the cache.
	r := rand.New(rand.NewSource(3))
	for n := 0; n < 2000; n++ {
		data, err := Marshal(randDoc(r, 0))
		if err != nil {
			continue
		}
		want, err := upstreamUnmarshal(data)
		if err != nil {
			continue
		}
		for round := 0; round < 2; round++ {
			if got, ok := fastUnmarshal(data); ok && !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d differs on %s:\n got %#v\nwant %#v", round, data, got, want)
			}
		}
	}

	// Documents of one shape share a schema and keep their own values.
	for i, value := range []int32{1, 2, -7} {
		doc := must.NotFail(types.NewDocument("a", value, "b", "text"))
		data := must.NotFail(Marshal(doc))
		got, ok := fastUnmarshal(data)
		if !ok || !reflect.DeepEqual(got, doc) {
			t.Fatalf("document %d of one shape: got %#v, want %#v", i, got, doc)
		}
	}
}

func TestAgoraSchemaCacheKeepsSchemasSeenTwice(t *testing.T) {
	data := must.NotFail(Marshal(must.NotFail(types.NewDocument("seen", "twice", "n", int32(1)))))
	text := string(data[len(`{"$s":`):bytes.Index(data, []byte(`,"seen"`))])

	for round := 0; round < 2; round++ {
		if _, ok := fastUnmarshal(data); !ok {
			t.Fatalf("round %d refused %s", round, data)
		}
		schemaCache.mu.RLock()
		_, kept := schemaCache.byText[text]
		schemaCache.mu.RUnlock()
		if kept != (round == 1) {
			t.Fatalf("round %d: schema %s kept: %v", round, text, kept)
		}
	}
}

func TestAgoraDocumentsWithOneUniquePropertyShareTheirOtherElements(t *testing.T) {
	// Like a feed post: its applied-versions map is keyed by its own id, the rest is common.
	for i := 0; i < 50; i++ {
		applied := must.NotFail(types.NewDocument("post-"+strconv.Itoa(i), int32(i)))
		place := must.NotFail(types.NewDocument("id", "c"+strconv.Itoa(i%3), "kind", "community"))
		doc := must.NotFail(types.NewDocument(
			"_id", strconv.Itoa(i), "_applied", applied, "place", place, "n", int32(i), "ok", i%2 == 0,
		))
		if got, ok := fastUnmarshal(must.NotFail(Marshal(doc))); !ok || !reflect.DeepEqual(got, doc) {
			t.Fatalf("document %d: got %#v, want %#v", i, got, doc)
		}
	}
	elemCache.mu.RLock()
	defer elemCache.mu.RUnlock()
	if _, kept := elemCache.byText[`{"t":"int"}`]; !kept {
		t.Fatalf("a common element was not kept")
	}
}

func TestAgoraSchemaCacheStaysBounded(t *testing.T) {
	for i := 0; i < decodedCacheSize+100; i++ {
		doc := must.NotFail(types.NewDocument("k"+strconv.Itoa(i), int32(i)))
		data := must.NotFail(Marshal(doc))
		for round := 0; round < 2; round++ {
			if got, ok := fastUnmarshal(data); !ok || !reflect.DeepEqual(got, doc) {
				t.Fatalf("document %d: got %#v, want %#v", i, got, doc)
			}
		}
	}
	schemaCache.mu.RLock()
	defer schemaCache.mu.RUnlock()
	if len(schemaCache.byText) > decodedCacheSize || len(schemaCache.seenOnce) > decodedCacheSize {
		t.Fatalf("%d schemas kept and %d seen once, at most %d each expected",
			len(schemaCache.byText), len(schemaCache.seenOnce), decodedCacheSize)
	}
	elemCache.mu.RLock()
	defer elemCache.mu.RUnlock()
	if len(elemCache.byText) > decodedCacheSize || len(elemCache.seenOnce) > decodedCacheSize {
		t.Fatalf("%d elements kept and %d seen once, at most %d each expected",
			len(elemCache.byText), len(elemCache.seenOnce), decodedCacheSize)
	}
}

func TestAgoraFastUnmarshalGivesUpOnBadInput(t *testing.T) {
	for _, bad := range []string{
		`{}`, `{"$s":{"p":{},"$k":[]}} x`, `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1.5}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1,"a":2}`,
		`{"$s":{"p":{"a":{"t":"int","x":1}},"$k":["a"]},"a":1}`,
		`{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":Infinity}`,
		`{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":+1}`,
		`{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":"\x"}`,
		`{"$s":{"p":{"a":{"t":"object","$s":{"p":{},"$k":[]}}},"$k":["a"]},"a":{"b":1}}`,
	} {
		if _, ok := fastUnmarshal([]byte(bad)); ok {
			t.Errorf("fast path accepted %s", bad)
		}
	}
}

func BenchmarkAgoraUnmarshal(b *testing.B) {
	r := rand.New(rand.NewSource(2))
	docs := make([][]byte, 200)
	for i := range docs {
		docs[i], _ = Marshal(randDoc(r, 0))
	}
	b.Run("upstream", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			upstreamUnmarshal(docs[i%len(docs)])
		}
	})
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fastUnmarshal(docs[i%len(docs)])
		}
	})
}

// BenchmarkAgoraUnmarshalUniqueSchemas decodes documents whose schemas are rarely seen twice
// before the cache starts over: what the schema cache costs when it cannot help.
func BenchmarkAgoraUnmarshalUniqueSchemas(b *testing.B) {
	r := rand.New(rand.NewSource(9))
	docs := make([][]byte, 4*decodedCacheSize)
	for i := range docs {
		docs[i], _ = Marshal(randDoc(r, 0))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fastUnmarshal(docs[i%len(docs)])
	}
}
