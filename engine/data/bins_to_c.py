#!/usr/bin/env python3
"""bins_to_c.py: an ab bin table (one 'a b' pair a line, '#' comments) into
a C array, so the table's text file in engine/data stays its one source.

    bins_to_c.py TABLE.txt NAME OUT.c

writes `const float NAME[][2]` and `const int NAME_count`, and fails on a
line that is not two integers."""
import sys


def main():
    src, name, out = sys.argv[1:4]
    rows = []
    for n, line in enumerate(open(src, encoding="ascii"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            sys.exit("%s:%d: not an 'a b' pair" % (src, n))
        rows.append(tuple(int(p) for p in parts))
    with open(out, "w", encoding="ascii") as f:
        f.write("/* Generated from %s by bins_to_c.py; edit the table, not this. */\n" % src.split("/")[-1])
        f.write("const int %s_count = %d;\n" % (name, len(rows)))
        f.write("const float %s[%d][2] = {\n" % (name, len(rows)))
        for a, b in rows:
            f.write("    {%d, %d},\n" % (a, b))
        f.write("};\n")


if __name__ == "__main__":
    main()
