#!/usr/bin/env python3
"""help_page.py README.md OUT.html: the plug-in's Help page, made from the
README's "The GIMP plug-in" section (to the next level-2 heading) and its
"Colour at edges" section, so the page GIMP's Help button opens says what
the README says. Converts the subset of Markdown the README uses: headings,
paragraphs, indented and fenced code, tables, lists, `code`, **bold**,
*emphasis* and [links](url)."""
import html
import re
import sys

SECTIONS = ('## The GIMP plug-in', '### Colour at edges')


def sections(lines):
    """The README's lines of each wanted section, headings included."""
    out, keep, level = [], False, 0
    for line in lines:
        m = re.match(r'(#+) ', line)
        if m:
            if any(line.startswith(s) for s in SECTIONS):
                keep, level = True, len(m.group(1))
            elif len(m.group(1)) <= level:
                keep = False
        if keep:
            out.append(line)
    return out


def inline(text):
    text = html.escape(text, quote=False)
    parts = re.split(r'(`[^`]+`)', text)
    for i, p in enumerate(parts):
        if p.startswith('`') and p.endswith('`') and len(p) > 1:
            parts[i] = '<code>' + p[1:-1] + '</code>'
        else:
            p = re.sub(r'\*\*([^*]+)\*\*', r'<strong>\1</strong>', p)
            p = re.sub(r'\*([^*]+)\*', r'<em>\1</em>', p)
            # an image of the checkout (not installed): its description
            p = re.sub(r'!\[([^\]]+)\]\(([^)]+)\)', r'<em>\1</em>', p)
            p = re.sub(r'\[([^\]]+)\]\(([^)]+)\)', r'<a href="\2">\1</a>', p)
            parts[i] = p
    return ''.join(parts)


def convert(lines):
    out, i, n = [], 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith('#'):
            level = len(line) - len(line.lstrip('#'))
            out.append(f'<h{level}>{inline(line[level:].strip())}</h{level}>')
            i += 1
        elif line.startswith('```'):
            j = i + 1
            while j < n and not lines[j].startswith('```'):
                j += 1
            out.append('<pre>' + html.escape('\n'.join(lines[i + 1:j])) + '</pre>')
            i = j + 1
        elif line.startswith('    '):
            block = []
            while i < n and (lines[i].startswith('    ') or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out.append('<pre>' + html.escape('\n'.join(block)) + '</pre>')
        elif line.startswith('|'):
            rows = []
            while i < n and lines[i].startswith('|'):
                cells = [c.strip() for c in lines[i].strip().strip('|').split('|')]
                if not all(re.fullmatch(r':?-+:?', c) for c in cells):
                    rows.append(cells)
                i += 1
            out.append('<table>')
            for r, cells in enumerate(rows):
                tag = 'th' if r == 0 else 'td'
                out.append('<tr>' + ''.join(f'<{tag}>{inline(c)}</{tag}>' for c in cells) + '</tr>')
            out.append('</table>')
        elif re.match(r'([-*]|\d+\.) ', line):
            ordered = line[0].isdigit()
            items = []
            while i < n and lines[i].strip() and not lines[i].startswith('#'):
                if re.match(r'([-*]|\d+\.) ', lines[i]):
                    items.append(re.sub(r'^([-*]|\d+\.) ', '', lines[i]))
                else:
                    items[-1] += ' ' + lines[i].strip()
                i += 1
            tag = 'ol' if ordered else 'ul'
            out.append(f'<{tag}>' + ''.join(f'<li>{inline(t)}</li>' for t in items) + f'</{tag}>')
        else:
            para = []
            while i < n and lines[i].strip() and not re.match(r'(#|\||```|    |[-*] |\d+\. )', lines[i]):
                para.append(lines[i].strip())
                i += 1
            out.append('<p>' + inline(' '.join(para)) + '</p>')
    return out


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        lines = f.read().splitlines()
    body = convert(sections(lines))
    if not body:
        sys.exit('help_page.py: the README has none of the sections ' + ', '.join(SECTIONS))
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        f.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                '<title>Colorize (corolization)</title>\n'
                '<style>body{max-width:50em;margin:1em auto;font-family:sans-serif;line-height:1.4}'
                'pre{background:#eee;padding:.5em;overflow:auto}table{border-collapse:collapse}'
                'td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top}</style>\n'
                '</head>\n<body>\n' + '\n'.join(body) + '\n</body>\n</html>\n')


if __name__ == '__main__':
    main()
