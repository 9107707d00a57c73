// Package transfer moves money between accounts, each guarded by its own mutex.
// Bug: Transfer locks the source account first and the destination second, so two
// transfers in opposite directions lock the same two mutexes in opposite orders (AB-BA).
package transfer

import "sync"

type Account struct {
	mu      sync.Mutex
	balance int
}

func NewAccount(balance int) *Account { return &Account{balance: balance} }

func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// Transfer moves amount from src to dst. locked, when not nil, is called once src is
// locked: the test uses it to let both transfers take their first lock before either
// takes its second, so the deadlock happens on every run.
func Transfer(src, dst *Account, amount int, locked func()) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if locked != nil {
		locked()
	}
	dst.mu.Lock() // BLOCKS: abba
	defer dst.mu.Unlock()
	src.balance -= amount
	dst.balance += amount
}
