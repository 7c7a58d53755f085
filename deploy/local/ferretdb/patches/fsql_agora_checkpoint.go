// Agora's build of FerretDB: WAL checkpoints on SQLite that keep the WAL small.
//
// Copied into internal/util/fsql by Agora's installer (deploy/local/src/agora/localinfra/install.py).
//
// SQLite's automatic checkpoint runs in the committing connection once the WAL holds 1,000
// pages. It copies the WAL into the database, but the WAL starts over only when no reader is
// reading from it, and with clients reading all the time that never happens: the WAL grew to
// hundreds of megabytes in a minute of updates, every commit after the threshold ran another
// checkpoint over all of it (a fifth of FerretDB's CPU, profiled), and every page read looked
// through a longer WAL index. Our build turns the automatic checkpoint off
// (`wal_autocheckpoint(0)` in the connection URL) and, every CheckpointEvery writes to a file,
// runs a RESTART checkpoint while it holds the file's write queue: it copies the WAL, waits for
// the readers still in it (they are short), and the next write starts the WAL over. It waits
// at most checkpointWaitMillis for readers (a client's open cursor may hold one for long); then it
// gives up until the next time, having copied what it could.

package fsql

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/FerretDB/FerretDB/internal/util/logging"
)

const (
	// SQLiteCheckpointEvery is how many writes to one SQLite file run between two checkpoints.
	// Every write to the file waits for a checkpoint: after 1,000 writes of the feed's fan-out
	// (15,000 to 23,000 WAL frames) it took 115 to 185 ms, the p99 of a post's 201. Every 100
	// writes it took 20 to 80 ms (a fixed part, the sync, dominates), the 201's p99 fell to 51
	// ms, and the feed applied a quarter fewer posts a second: see the slow checkpoint log.
	SQLiteCheckpointEvery = 1000

	// checkpointWaitMillis bounds the checkpoint's wait for readers (the busy timeout of its
	// connection meanwhile); defaultBusyTimeoutMillis is upstream's, restored after.
	checkpointWaitMillis     = 50
	defaultBusyTimeoutMillis = 10000

	// slowCheckpoint: a checkpoint taking longer is logged; every write to the file waits for it.
	slowCheckpoint = 20 * time.Millisecond
)

// checkpointAfterWrite counts a write and checkpoints every CheckpointEvery of them.
// The caller holds db.writes.
func (db *DB) checkpointAfterWrite() {
	if db.CheckpointEvery <= 0 {
		return
	}

	db.writesSinceCheckpoint++
	if db.writesSinceCheckpoint < db.CheckpointEvery {
		return
	}

	db.writesSinceCheckpoint = 0
	start := time.Now()

	// Not the request's context: a client gone must not cut a checkpoint short.
	ctx := context.Background()

	conn, err := db.sqlDB.Conn(ctx)
	if err != nil {
		db.l.Warn("WAL checkpoint: no connection", logging.Error(err))
		return
	}
	defer conn.Close()

	if _, err = conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointWaitMillis)); err != nil {
		db.l.Warn("WAL checkpoint: busy timeout not set", logging.Error(err))
		return
	}
	defer conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", defaultBusyTimeoutMillis)) //nolint:errcheck // best effort

	var busy, walFrames, checkpointed int64
	if err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &walFrames, &checkpointed); err != nil {
		db.l.Warn("WAL checkpoint failed", logging.Error(err))
		return
	}

	if took := time.Since(start); took > slowCheckpoint {
		db.l.Info(
			"slow WAL checkpoint: writes to this file waited for it",
			slog.Duration("took", took), slog.Int64("wal_frames", walFrames),
			slog.Int64("checkpointed", checkpointed), slog.Bool("readers_in_the_way", busy != 0),
		)
	}
}
