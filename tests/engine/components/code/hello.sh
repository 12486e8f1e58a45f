echo from-code > "$1/hello.txt"
