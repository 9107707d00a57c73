module stackparse.test/pprofserver

go 1.19
