//! `--var NAME=VALUE`: checked against the spec and handed to psql as `\set` lines on stdin.
//!
//! Values never go on a command line: the channel is a shell command (often `ssh`, which joins
//! its arguments into one more shell command on the far side), so a value there would be
//! interpreted twice. Instead each value becomes a `\set NAME 'VALUE'` line at the top of the
//! script fed on stdin, quoted for psql's own meta-command parser, which runs no shell.

use crate::diag::Error;
use crate::packet::{Packet, Role};
use crate::sql::psql_quote;

/// The variables given for one run, in the spec's declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: Vec<(String, String, Vec<Role>)>,
}

impl Vars {
    /// Parse `NAME=VALUE` arguments. Unknown, repeated, malformed or missing variables are bad
    /// usage (exit 2); so are control characters, which a `\set` line cannot carry safely.
    pub fn parse(args: &[String], packet: &Packet, roles: &[Role]) -> Result<Vars, Error> {
        let declared = || {
            let names: Vec<&str> = packet.variables.iter().map(|v| v.name.as_str()).collect();
            if names.is_empty() {
                "the packet declares no variables".to_owned()
            } else {
                format!("the packet declares: {}", names.join(", "))
            }
        };
        let mut given: Vec<(String, String)> = Vec::new();
        for arg in args {
            let Some((name, value)) = arg.split_once('=') else {
                return Err(Error::input(
                    format!("--var {arg:?} is not NAME=VALUE"),
                    format!("write --var NAME=VALUE; {}", declared()),
                ));
            };
            if !packet.variables.iter().any(|v| v.name == name) {
                return Err(Error::input(
                    format!("--var {name}: the packet has no variable {name:?}"),
                    declared(),
                ));
            }
            if given.iter().any(|(n, _)| n == name) {
                return Err(Error::input(
                    format!("--var {name} is given twice"),
                    "pass each variable once",
                ));
            }
            if let Some(c) = value.chars().find(|c| c.is_control()) {
                return Err(Error::input(
                    format!("--var {name}: the value contains the control character {c:?}"),
                    "pass a value without newlines, tabs or other control characters",
                ));
            }
            given.push((name.to_owned(), value.to_owned()));
        }
        let mut values = Vec::new();
        for var in &packet.variables {
            let needed = var.used_by.is_empty()
                || packet
                    .steps
                    .iter()
                    .any(|s| var.used_by.contains(&s.role) && roles.contains(&s.role));
            match given.iter().find(|(n, _)| *n == var.name) {
                Some((_, value)) => {
                    values.push((var.name.clone(), value.clone(), var.used_by.clone()));
                }
                None if needed => {
                    return Err(Error::input(
                        format!(
                            "variable {} is required ({}) but was not given",
                            var.name, var.description
                        ),
                        format!("pass --var {}={}", var.name, var.example),
                    ));
                }
                None => {}
            }
        }
        Ok(Vars { values })
    }

    /// `--dry-run` has no server to ask: check each value against its pattern here, where the
    /// pattern is in the subset packetc matches exactly like PostgreSQL
    /// ([`crate::packet::pgregex::matches`]). A real run leaves the verdict to the probe.
    pub fn check_patterns(&self, packet: &Packet) -> Result<(), Error> {
        for (name, value, _) in &self.values {
            let Some(var) = packet.variables.iter().find(|v| v.name == *name) else {
                continue;
            };
            if !crate::packet::pgregex::matches(&var.pattern, value) {
                return Err(Error::input(
                    format!(
                        "--var {name}={value:?} does not match the pattern {}",
                        var.pattern
                    ),
                    format!(
                        "the script would refuse it; pass a value like {}",
                        var.example
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every given variable, in declaration order.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(n, v, _)| (n.as_str(), v.as_str()))
    }

    /// The variables a step of this role uses (an empty `used_by` means every step).
    pub fn for_role(&self, role: Role) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .filter(move |(_, _, used_by)| used_by.is_empty() || used_by.contains(&role))
            .map(|(n, v, _)| (n.as_str(), v.as_str()))
    }

    /// The `\set` lines for a step of this role ("" when it uses no variable).
    #[must_use]
    pub fn prelude(&self, role: Role) -> String {
        set_lines(self.for_role(role))
    }
}

/// `\set NAME 'VALUE'` lines, one per variable.
pub fn set_lines<'a>(vars: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    vars.map(|(n, v)| format!("\\set {n} {}\n", psql_quote(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_lines_quote_for_psql() {
        assert_eq!(set_lines([("v", "o'k")].into_iter()), "\\set v 'o''k'\n");
    }
}
