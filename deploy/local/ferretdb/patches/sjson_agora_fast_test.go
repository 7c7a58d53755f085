// Agora's differential test of sjson_agora_fast.go against upstream's decoder. Not part of the
// build: copy both files into internal/handler/sjson of a patched FerretDB source and run
// `go test ./internal/handler/sjson/` there (it needs testify, as upstream's tests do).

package sjson

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/internal/types"
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
