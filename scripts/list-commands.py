#!/usr/bin/python3
"""Print the external commands that shell scripts call, one per line.

A reader, not a shell. It splits each script into words and control
operators (quotes, `$(...)`, `$((...))`, `${...}`, comments and heredoc
bodies understood), takes the first word of every simple command, and looks
through the words that run another command: wrappers (`timeout`, `ip netns
exec NS`, `env`, `xargs`, ...), `bash -c "..."`, and the test library's own
`check DESCRIPTION COMMAND...`. Words built from variables, assignments,
builtins, keywords and the functions the scripts define are not external
commands; single-quoted program text (`python3 -c '...'`) is not shell.
Used by scripts/check-commands.sh.
"""
import re
import sys

KEYWORDS = set("if then else elif fi case esac for select while until do done in "
               "function time { } [[ ]] ! coproc".split())
BUILTINS = set("alias bg bind break builtin caller cd command compgen complete compopt "
               "continue declare dirs disown echo enable eval exec exit export false fc fg "
               "getopts hash help history jobs kill let local logout mapfile popd printf "
               "pushd pwd read readarray readonly return set shift shopt source suspend "
               "test times trap true type typeset ulimit umask unalias unset wait . : [".split())
# Commands that run the command in their arguments: how many operands come
# before it (after options), and which of their options take a value.
WRAPPERS = {"timeout": (1, "ks"), "nohup": (0, ""), "setsid": (0, ""), "env": (0, "u"),
            "exec": (0, "a"), "command": (0, ""), "xargs": (0, "nLPIdEs"),
            "taskset": (1, ""), "nice": (0, "n"), "stdbuf": (0, "ioe"),
            "valgrind": (0, ""), "check": (1, ""), "check_not": (1, ""),
            "check_err": (2, ""), "fails_with": (2, "")}
OPS = ("&&", "||", ";;", "|", ";", "&", "(", ")", "\n", "`")


class Script:
    def __init__(self, text):
        self.s = text
        self.i = 0
        self.heredocs = []
        self.nested = []  # code found inside "..." ($(...)), scanned apart

    def skip_heredocs(self):
        for end in self.heredocs:
            while self.i < len(self.s):
                j = self.s.find("\n", self.i)
                line = self.s[self.i:j if j >= 0 else len(self.s)]
                self.i = j + 1 if j >= 0 else len(self.s)
                if line.strip() == end:
                    break
        self.heredocs = []

    def matching(self, open_ch, close_ch, start):
        """Index just past the bracket closing the one before @start."""
        depth, i = 1, start
        while i < len(self.s) and depth:
            c = self.s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and open_ch == "(":
                i = self.s.find("'", i + 1) + 1 or len(self.s)
                continue
            depth += c == open_ch
            depth -= c == close_ch
            i += 1
        return i

    def tokens(self):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and s[self.i + 1:self.i + 2] == "\n":
                self.i += 2
            elif c == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            elif c == "\n":
                self.i += 1
                self.skip_heredocs()
                yield ("op", "\n")
            elif s.startswith("$((", self.i) or s.startswith("((", self.i):
                # arithmetic, not commands
                self.i = self.matching("(", ")", self.i + s.index("((", self.i) - self.i + 2) + 1
                yield ("word", "$")
            elif s.startswith("$(", self.i):
                self.i += 2
                yield ("op", "(")
            elif any(s.startswith(op, self.i) for op in OPS):
                op = next(op for op in OPS if s.startswith(op, self.i))
                self.i += len(op)
                yield ("op", op)
            else:
                yield ("word", self.word())

    def word(self):
        s, out = self.s, []
        while self.i < len(s):
            c = s[self.i]
            if c == "(" and out and out[-1] == "=":
                # an array assignment: its words are data
                self.i = self.matching("(", ")", self.i + 1)
                out.append("()")
                continue
            if c in " \t\n;&|()`" and not (c == "(" and out and out[-1] in "<>@"):
                break
            if c == "\\":
                out.append(s[self.i + 1:self.i + 2])
                self.i += 2
            elif c == "'":
                j = s.find("'", self.i + 1)
                j = len(s) if j < 0 else j
                out.append(s[self.i + 1:j])
                self.i = j + 1
            elif c == '"':
                self.i += 1
                while self.i < len(s) and s[self.i] != '"':
                    if s[self.i] == "\\":
                        out.append(s[self.i + 1:self.i + 2])
                        self.i += 2
                    elif s.startswith("$((", self.i):
                        self.i = self.matching("(", ")", self.i + 3) + 1
                        out.append("$")
                    elif s.startswith("$(", self.i):
                        end = self.matching("(", ")", self.i + 2)
                        self.nested.append(s[self.i + 2:end - 1])
                        self.i = end
                        out.append("$")
                    else:
                        out.append(s[self.i])
                        self.i += 1
                self.i += 1
            elif s.startswith("${", self.i):
                self.i = self.matching("{", "}", self.i + 2)
                out.append("$")
            elif s.startswith("<<", self.i) and not s.startswith("<<<", self.i):
                m = re.match(r"<<-?\s*(['\"]?)([A-Za-z_]+)\1", s[self.i:])
                if m:
                    self.heredocs.append(m.group(2))
                    self.i += m.end()
                    out.append("<<")
                    break
                out.append(c)
                self.i += 1
            else:
                out.append(c)
                self.i += 1
        return "".join(out)


def simple_commands(text):
    """Lists of words, one per simple command."""
    sc = Script(text)
    cmd, pending = [], []  # pending: this line's commands, until it is no case pattern
    depth = 0
    for kind, val in sc.tokens():
        if kind == "word":
            cmd.append(val)
            continue
        if val == ")" and depth == 0:
            cmd, pending = [], []  # "a | b)": a case pattern, not commands
            continue
        depth += (val == "(") - (val == ")")
        if cmd and cmd[0] not in ("for", "select", "case"):
            pending.append(cmd)
        cmd = []
        if val in ("\n", ";;", ";", "&&", "||"):
            yield from pending
            pending = []
    if cmd:
        pending.append(cmd)
    yield from pending
    for code in sc.nested:
        yield from simple_commands(code)


def external(words, found):
    i = 0
    while i < len(words):
        w = words[i]
        if w in KEYWORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", w):
            i += 1
        elif re.match(r"^\d*(<<?<?|>>?)(&\d*)?$", w):
            i += 2
        elif re.match(r"^\d*(<|>)", w):
            i += 1
        else:
            break
    if i >= len(words):
        return
    cmd, rest = words[i], words[i + 1:]
    if cmd.startswith(("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/")):
        cmd = cmd.rsplit("/", 1)[1]
    if "$" in cmd or "/" in cmd or not re.match(r"^[A-Za-z][A-Za-z0-9_.+-]*$", cmd):
        return
    found.add(cmd)
    if cmd == "ip" and rest[:2] == ["netns", "exec"]:
        external(rest[3:], found)
    elif cmd in ("bash", "sh") and "-c" in rest:
        k = rest.index("-c")
        for sub in simple_commands(" ".join(rest[k + 1:k + 2])):
            external(sub, found)
    elif cmd in WRAPPERS:
        operands, valued = WRAPPERS[cmd]
        j = 0
        while j < len(rest) and rest[j].startswith("-") and rest[j] != "--":
            j += 2 if len(rest[j]) == 2 and rest[j][1] in valued else 1
        if j < len(rest) and rest[j] == "--":
            j += 1
        external(rest[j + operands:], found)


def main():
    found, funcs = set(), set()
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        funcs.update(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)",
                                text, re.M))
        for words in simple_commands(text):
            external(words, found)
    for cmd in sorted(found - funcs - BUILTINS - KEYWORDS):
        print(cmd)


if __name__ == "__main__":
    main()
