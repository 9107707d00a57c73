module example.com/stuck

go 1.21

require go.uber.org/goleak v1.2.0

// Debian's golang-uber-goleak-dev (no network): apt-get install golang-uber-goleak-dev
replace go.uber.org/goleak => /usr/share/gocode/src/go.uber.org/goleak
