module stackparse/bench/prodgen

go 1.21
