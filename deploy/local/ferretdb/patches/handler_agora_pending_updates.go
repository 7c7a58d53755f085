// Agora's build of FerretDB: an update command's documents written together.
//
// Copied into internal/handler by Agora's installer (deploy/local/src/agora/localinfra/install.py).
//
// Upstream writes the document each statement of an update command changes in a transaction of
// its own: on SQLite a commit, WAL frames for every page touched and a turn of the write queue
// per statement, although a bulk write of a hundred statements often touches the same few
// pages. Our build holds the changed documents and writes them in one transaction per
// agoraPendingUpdatesBatch documents. A statement reads the database before it writes, so it
// must not read a document still held: a statement runs after the held documents are written,
// unless its filter names one _id (a string or an ObjectId) that none of them has, the shape of
// the updates of Agora's projections (apply_once) and of most bulk writes.

package handler

import (
	"context"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// agoraPendingUpdatesBatch is the most documents held before they are written.
const agoraPendingUpdatesBatch = 1000

// agoraPendingUpdates is the collection an update command's statements write through.
// UpdateAll holds the documents until Flush; every other method is the collection's own.
type agoraPendingUpdates struct {
	backends.Collection
	docs []*types.Document
	ids  map[string]struct{}
}

func newAgoraPendingUpdates(c backends.Collection) *agoraPendingUpdates {
	return &agoraPendingUpdates{Collection: c, ids: map[string]struct{}{}}
}

// UpdateAll holds the documents; the batch is written once it is full.
func (p *agoraPendingUpdates) UpdateAll(ctx context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) {
	for _, doc := range params.Docs {
		p.docs = append(p.docs, doc)

		if key, ok := agoraIDKey(must.NotFail(doc.Get("_id"))); ok {
			p.ids[key] = struct{}{}
		}
	}

	if len(p.docs) >= agoraPendingUpdatesBatch {
		if err := p.Flush(ctx); err != nil {
			return nil, lazyerrors.Error(err)
		}
	}

	return &backends.UpdateAllResult{Updated: int32(len(params.Docs))}, nil
}

// Flush writes the held documents in one transaction.
func (p *agoraPendingUpdates) Flush(ctx context.Context) error {
	if len(p.docs) == 0 {
		return nil
	}

	docs := p.docs
	p.docs = nil
	clear(p.ids)

	if _, err := p.Collection.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs}); err != nil {
		return lazyerrors.Error(err)
	}

	return nil
}

// MayRunBeforeFlush reports whether a statement with this filter can read nothing the held
// documents change: the filter names one _id, a string or an ObjectId, that none of them has.
func (p *agoraPendingUpdates) MayRunBeforeFlush(filter *types.Document) bool {
	if len(p.docs) == 0 {
		return true
	}

	if filter == nil {
		return false
	}

	value, err := filter.Get("_id")
	if err != nil {
		return false
	}

	key, ok := agoraIDKey(value)
	if !ok {
		return false
	}

	_, held := p.ids[key]

	return !held
}

// agoraIDKey is an _id's key among the held documents' ids, for the types compared by
// equality alone (numbers of different types may be equal, documents may be operators).
func agoraIDKey(value any) (string, bool) {
	switch value.(type) {
	case string, types.ObjectID:
		return string(must.NotFail(sjson.MarshalSingleValue(value))), true
	default:
		return "", false
	}
}
