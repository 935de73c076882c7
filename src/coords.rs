//! Coordinates parsed at the edge: a latitude/longitude pair that is finite and in range.

use crate::error::{AppError, AppResult};

/// A WGS 84 point, known to be finite and within range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

impl Coordinates {
    /// Parses a latitude/longitude pair; `field` is the input path used in error messages
    /// (e.g. `filter.near`), so the error names `filter.near.lat`.
    pub fn parse(lat: f64, lon: f64, field: &str) -> AppResult<Self> {
        let path = |leaf: &str| if field.is_empty() { leaf.to_owned() } else { format!("{field}.{leaf}") };
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            let name = path("lat");
            return Err(AppError::bad_input(&name, format!("{name} must be a number from -90 to 90")));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            let name = path("lon");
            return Err(AppError::bad_input(&name, format!("{name} must be a number from -180 to 180")));
        }
        Ok(Coordinates { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_range_edges_and_names_the_bad_field() {
        assert!(Coordinates::parse(90.0, -180.0, "near").is_ok());
        for (lat, lon, field) in [
            (90.5, 0.0, "near.lat"),
            (f64::NAN, 0.0, "near.lat"),
            (0.0, f64::INFINITY, "near.lon"),
            (0.0, -180.01, "near.lon"),
        ] {
            match Coordinates::parse(lat, lon, "near") {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected bad input for {lat},{lon}: {other:?}"),
            }
        }
    }
}
