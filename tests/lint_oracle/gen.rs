//! A deterministic script generator (xorshift, fixed seed): lines mixing SQL, quotes, comments,
//! CR/LF, psql variables, meta-commands (`\gexec`, `\c`, `\encoding`, backquotes among them),
//! `\if` branches, COPY blocks, BEGIN ATOMIC bodies and every dollar-tag form.

/// xorshift64* PRNG.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const SQL: &[&str] = &[
    "select 1",
    "select 'a;b'",
    "select E'x\\';'",
    "select \"q;\" from (select 1 as \"q;\") s",
    "select $$;$$",
    "select $t$ ; ' $t$",
    "select 1 -- ; '",
    "select /* ; ' */ 2",
    "select /* /* ; */ */ 3",
    "select :a",
    "select :'b'",
    "select :\"c\"",
    "select :{?a}",
    "select :{?nope}",
    "select :nope",
    "select 1::int",
    "select U&'\\0041'",
    "select B'01'",
    "select X'ff'",
    "select (1",
    ")",
    "select '",
    "'",
    "select \"",
    "\"",
    "select $$",
    "$$",
    "/*",
    "*/",
    "--",
    "values (1), (2)",
    "select 'it''s'",
    "select ':a'",
    "select e'\\\\'",
    "select 'a'\n'b'",
    "select :'nope'",
    "select a.x from (select 1 as x) a",
    "create temp table if not exists tt (x int)",
    "insert into tt values (1)",
    "select 1 \\; select 2",
    "select 3 \\:",
    // Every dollar-tag form psql's lexer knows (and what is not one).
    "select $_$;$_$",
    "select $a1$ ' ; $a1$",
    "select $T$ $t$ ; $T$",
    "select $é$;$é$",
    "select $$a$b$$",
    "select $q$ $q $q$",
    "select x$y$z from (select 1 as x$y$z) s",
    "select $1",
    "select $0$",
    "$t$",
    "select '`echo no`'",
    // BEGIN ATOMIC bodies and psql's BEGIN … END heuristic.
    "create or replace function pg_temp.fa() returns int language sql begin atomic select 1; select case when true then 2 end; end",
    "create or replace procedure pg_temp.pa() language sql begin atomic select 1; end",
    "create or replace function pg_temp.fb() returns int language sql begin atomic",
    "select 1; end",
    "create function pg_temp.atomic() returns int language sql return 1",
    ";",
    "",
    " ",
    "\t",
];

const META: &[&str] = &[
    "\\echo hi",
    "\\echo 'a \\' ; b' x",
    "\\set z1 v",
    "\\set z2 'a b'",
    "\\unset z1",
    "\\p",
    "\\r",
    "\\g",
    "\\gx",
    "\\gset zz_",
    "\\gdesc",
    "\\timing off",
    "\\pset null x",
    "\\bogus ; select 9;",
    "\\echo x \\\\ select 8;",
    "\\echo a\\echo b",
    "\\\\",
    "\\copy t from stdin",
    "\\copy t (a) from stdin",
    "\\crosstabview",
    "\\warn w",
    "\\qecho q",
    "\\x off",
    "\\t off",
    "\\conninfo",
    "\\gexec",
    "\\c",
    "\\connect",
    "\\encoding UTF8",
    "\\encoding SQL_ASCII",
    "\\encoding",
    "\\echo `echo hi ; select 6;`",
    "\\set z3 `echo 1`",
    "\\echo '`not run`' `echo x`",
];

const IFS: &[&str] = &[
    "\\if true",
    "\\if false",
    "\\if on",
    "\\if off",
    "\\if 1",
    "\\if 0",
    "\\if yes",
    "\\if n",
];

const ENDS: &[&str] = &["\n", "\n", "\n", "\r\n", "\r", "\n\n", " \n"];

/// One script.
pub fn script(rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut branch = Vec::<bool>::new();
    let lines = 1 + rng.below(12);
    for _ in 0..lines {
        match rng.below(20) {
            0..=9 => {
                let n = 1 + rng.below(3);
                for i in 0..n {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(rng.pick(SQL));
                    if rng.below(3) > 0 {
                        out.push(';');
                    }
                }
            }
            10..=12 => {
                if rng.below(2) == 0 {
                    out.push_str(rng.pick(SQL));
                    out.push(' ');
                }
                out.push_str(rng.pick(META));
            }
            13 => {
                out.push_str(rng.pick(IFS));
                depth += 1;
                branch.push(false);
            }
            14 if depth > 0 => {
                let else_done = branch.last().copied().unwrap_or(false);
                if !else_done && rng.below(2) == 0 {
                    out.push_str("\\else");
                    if let Some(b) = branch.last_mut() {
                        *b = true;
                    }
                } else if !else_done {
                    out.push_str(if rng.below(2) == 0 {
                        "\\elif true"
                    } else {
                        "\\elif false"
                    });
                } else {
                    out.push_str("\\endif");
                    depth -= 1;
                    branch.pop();
                }
            }
            15 if depth > 0 => {
                out.push_str("\\endif");
                depth -= 1;
                branch.pop();
            }
            16 => {
                out.push_str(if rng.below(2) == 0 {
                    "copy t from stdin;"
                } else {
                    "COPY t (a) FROM STDIN;"
                });
                if rng.below(3) == 0 {
                    out.push_str(" select 7;");
                }
                out.push('\n');
                for _ in 0..rng.below(3) {
                    out.push_str(rng.pick(&["x\ty", "a", "select 1;", "\\N\t\\N", "'"]));
                    out.push('\n');
                }
                if rng.below(6) > 0 {
                    out.push_str("\\.");
                }
            }
            _ => out.push_str(rng.pick(&["-- just a comment", "/* block */", "   ", ""])),
        }
        // A bare CR does not end a psql line: after a backslash command it would make the
        // next line that command's arguments, which only the server's answer decides for
        // `\\copy` (its statement may fail), so those lines always end in LF.
        let end = rng.pick(ENDS);
        let meta_line = out.rsplit('\n').next().is_some_and(|l| l.contains('\\'));
        out.push_str(if meta_line && end == "\r" { "\n" } else { end });
    }
    while depth > 0 {
        out.push_str("\\endif\n");
        depth -= 1;
    }
    out
}
