//! A sequence's options, set as PostgreSQL sets them (`init_params` in
//! `commands/sequence.c`): what CREATE SEQUENCE leaves unwritten gets a
//! default that depends on the data type and the direction, and ALTER
//! SEQUENCE changes only what it names, except that a new data type moves
//! a bound that was the old type's limit to the new type's.

use std::fmt;

use super::TypeName;

/// The data type of a sequence (`AS smallint | integer | bigint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SequenceType {
    Smallint,
    Integer,
    Bigint,
}

impl SequenceType {
    /// The type a column or `AS` names, if a sequence can have it.
    pub fn of(ty: &TypeName) -> Option<SequenceType> {
        if !ty.is_builtin() || ty.array_dims > 0 {
            return None;
        }
        match ty.name.name.as_str() {
            "int2" => Some(SequenceType::Smallint),
            "int4" => Some(SequenceType::Integer),
            "int8" => Some(SequenceType::Bigint),
            _ => None,
        }
    }

    pub fn min(self) -> i64 {
        match self {
            SequenceType::Smallint => i16::MIN.into(),
            SequenceType::Integer => i32::MIN.into(),
            SequenceType::Bigint => i64::MIN,
        }
    }

    pub fn max(self) -> i64 {
        match self {
            SequenceType::Smallint => i16::MAX.into(),
            SequenceType::Integer => i32::MAX.into(),
            SequenceType::Bigint => i64::MAX,
        }
    }

    /// The SQL name, as `format_type` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceType::Smallint => "smallint",
            SequenceType::Integer => "integer",
            SequenceType::Bigint => "bigint",
        }
    }
}

impl fmt::Display for SequenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sequence generates: pg_sequence's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SequenceOptions {
    pub data_type: SequenceType,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// The options one CREATE or ALTER SEQUENCE (or an identity column's
/// options) writes; None for what it leaves out. `RESTART` changes only the
/// current value, which the model does not keep.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SequenceChange {
    pub data_type: Option<SequenceType>,
    pub increment: Option<i64>,
    pub start: Option<i64>,
    /// `Some(None)`: `NO MINVALUE`.
    pub min_value: Option<Option<i64>>,
    /// `Some(None)`: `NO MAXVALUE`.
    pub max_value: Option<Option<i64>>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
}

impl SequenceOptions {
    /// A new sequence's options: those written, PostgreSQL's defaults for
    /// the others (bigint, increment 1, cache 1, no cycle; ascending: 1 to
    /// the type's largest value, descending: the type's smallest to -1;
    /// starting at the low end ascending, the high end descending).
    pub fn new(change: &SequenceChange) -> SequenceOptions {
        let mut options = SequenceOptions {
            data_type: SequenceType::Bigint,
            start: 1,
            increment: 1,
            min_value: 1,
            max_value: i64::MAX,
            cache: 1,
            cycle: false,
        };
        options.apply(change, true);
        options
    }

    /// ALTER SEQUENCE (or ALTER COLUMN ... SET of an identity column).
    pub fn alter(&mut self, change: &SequenceChange) {
        self.apply(change, false);
    }

    fn apply(&mut self, change: &SequenceChange, init: bool) {
        let (mut reset_max, mut reset_min) = (false, false);
        if let Some(ty) = change.data_type {
            // A bound that was the old type's limit follows the type; one
            // the user chose stays.
            if !init {
                reset_max = self.max_value == self.data_type.max();
                reset_min = self.min_value == self.data_type.min();
            }
            self.data_type = ty;
        }
        if let Some(increment) = change.increment {
            self.increment = increment;
        }
        if let Some(cycle) = change.cycle {
            self.cycle = cycle;
        }
        match change.max_value {
            Some(Some(max)) => self.max_value = max,
            // Written without a value (NO MAXVALUE), or the type changed.
            _ if init || change.max_value.is_some() || reset_max => {
                self.max_value = if self.increment > 0 || reset_max {
                    self.data_type.max()
                } else {
                    -1
                };
            }
            _ => {}
        }
        match change.min_value {
            Some(Some(min)) => self.min_value = min,
            _ if init || change.min_value.is_some() || reset_min => {
                self.min_value = if self.increment < 0 || reset_min {
                    self.data_type.min()
                } else {
                    1
                };
            }
            _ => {}
        }
        match change.start {
            Some(start) => self.start = start,
            None if init => {
                self.start = if self.increment > 0 {
                    self.min_value
                } else {
                    self.max_value
                };
            }
            None => {}
        }
        if let Some(cache) = change.cache {
            self.cache = cache;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(f: impl FnOnce(&mut SequenceChange)) -> SequenceChange {
        let mut c = SequenceChange::default();
        f(&mut c);
        c
    }

    #[test]
    fn defaults_follow_type_and_direction() {
        let s = SequenceOptions::new(&SequenceChange::default());
        assert_eq!(
            (
                s.data_type,
                s.start,
                s.min_value,
                s.max_value,
                s.cache,
                s.cycle
            ),
            (SequenceType::Bigint, 1, 1, i64::MAX, 1, false)
        );
        let down = SequenceOptions::new(&change(|c| {
            c.data_type = Some(SequenceType::Integer);
            c.increment = Some(-2);
        }));
        assert_eq!(
            (down.start, down.min_value, down.max_value),
            (-1, i64::from(i32::MIN), -1)
        );
        let small = SequenceOptions::new(&change(|c| {
            c.data_type = Some(SequenceType::Smallint);
            c.min_value = Some(Some(10));
        }));
        assert_eq!((small.start, small.max_value), (10, 32767));
    }

    #[test]
    fn alter_changes_only_what_it_names() {
        let mut s = SequenceOptions::new(&change(|c| c.start = Some(5)));
        s.alter(&change(|c| c.increment = Some(-1)));
        // The bounds stay; the start too.
        assert_eq!((s.start, s.min_value, s.max_value), (5, 1, i64::MAX));
        // NO MINVALUE now means the descending default.
        s.alter(&change(|c| c.min_value = Some(None)));
        assert_eq!(s.min_value, i64::MIN);
    }

    #[test]
    fn a_new_type_moves_the_bounds_that_were_the_old_types_limits() {
        let mut s = SequenceOptions::new(&change(|c| c.max_value = Some(Some(1000))));
        s.alter(&change(|c| c.data_type = Some(SequenceType::Integer)));
        assert_eq!((s.min_value, s.max_value), (1, 1000));
        let mut s = SequenceOptions::new(&SequenceChange::default());
        s.alter(&change(|c| c.data_type = Some(SequenceType::Integer)));
        assert_eq!(s.max_value, i64::from(i32::MAX));
        // Descending with the type's smallest value: it follows, and so does
        // a maximum that was the type's largest.
        let mut s = SequenceOptions::new(&change(|c| {
            c.increment = Some(-1);
            c.max_value = Some(Some(i64::MAX));
        }));
        s.alter(&change(|c| c.data_type = Some(SequenceType::Smallint)));
        assert_eq!((s.min_value, s.max_value), (-32768, 32767));
    }
}
