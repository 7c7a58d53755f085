// Agora's build of FerretDB: what one statement's write error says, for commands that report
// their write errors statement by statement.
//
// Copied into internal/handler/handlererrors by Agora's installer
// (deploy/local/src/agora/localinfra/install.py).

package handlererrors

// FirstCodeAndMessage returns the code and message of the first write error.
//
// The update command runs its statements one by one; each statement's failure is one
// WriteErrors of a single entry, which the command reports under that statement's index.
func (we *WriteErrors) FirstCodeAndMessage() (ErrorCode, string) {
	return we.errs[0].code, we.errs[0].errmsg
}
