//! Distances the way PostGIS computes them for `geography` with `use_spheroid = false`
//! (the `<->` operator and `ST_DWithin(a, b, r, false)`), so the in-memory index ranks,
//! cuts at a radius and pages exactly as the database does.

/// WGS 84 semi-major axis (metres).
const WGS84_MAJOR_AXIS: f64 = 6_378_137.0;
/// WGS 84 inverse flattening.
const WGS84_INVERSE_FLATTENING: f64 = 298.257_223_563;

/// The sphere PostGIS measures on: radius `(2a + b) / 3` of the WGS 84 ellipsoid.
pub fn earth_radius_m() -> f64 {
    let b = WGS84_MAJOR_AXIS - WGS84_MAJOR_AXIS / WGS84_INVERSE_FLATTENING;
    (2.0 * WGS84_MAJOR_AXIS + b) / 3.0
}

/// Degrees to radians in liblwgeom's order of operations (`M_PI * d / 180`).
fn radians(degrees: f64) -> f64 {
    std::f64::consts::PI * degrees / 180.0
}

/// Great-circle distance in metres from `a` to `b` (`(lon, lat)`), following
/// liblwgeom's `sphere_distance` (a Vincenty-form atan2, stable for tiny and antipodal
/// separations) times the sphere radius. The formula is not symmetric in its last bits:
/// pass the stored position as `a` and the query point as `b`, the order of
/// `position <-> point`, to get PostgreSQL's value to the bit.
pub fn sphere_distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (s_lon, s_lat) = (radians(a.0), radians(a.1));
    let (e_lon, e_lat) = (radians(b.0), radians(b.1));
    let d_lon = e_lon - s_lon;
    let cos_d_lon = d_lon.cos();
    let (cos_lat_e, sin_lat_e) = (e_lat.cos(), e_lat.sin());
    let (cos_lat_s, sin_lat_s) = (s_lat.cos(), s_lat.sin());
    let a1 = (cos_lat_e * d_lon.sin()).powi(2);
    let a2 = (cos_lat_s * sin_lat_e - sin_lat_s * cos_lat_e * cos_d_lon).powi(2);
    let y = (a1 + a2).sqrt();
    let x = sin_lat_s * sin_lat_e + cos_lat_s * cos_lat_e * cos_d_lon;
    earth_radius_m() * y.atan2(x)
}

/// A `(lon, lat)` point on the unit sphere. Straight-line (chord) distance between such
/// points grows strictly with great-circle distance, so an R-tree over them returns
/// neighbours in the order of distance on the sphere, with no projection seams. Held as
/// `f32` to halve the tree: the order is then right to within [`F32_ORDER_ERROR_M`],
/// and callers decide with exact distances inside that margin.
pub fn unit_vector(lon_lat: (f64, f64)) -> [f32; 3] {
    let (lon, lat) = (lon_lat.0.to_radians(), lon_lat.1.to_radians());
    [(lat.cos() * lon.cos()) as f32, (lat.cos() * lon.sin()) as f32, lat.sin() as f32]
}

/// How far (metres) the `f32` unit vectors may misorder two points: each coordinate is
/// off by at most half an `f32` ulp (3e-8 of the radius, 0.2 m); ten metres is ample.
pub const F32_ORDER_ERROR_M: f64 = 10.0;

/// The squared chord between unit vectors `metres` apart on the sphere: the bound at
/// which a nearest-neighbour walk can stop.
pub fn chord_squared_for(metres: f64) -> f64 {
    let angle = (metres / earth_radius_m()).min(std::f64::consts::PI);
    let chord = 2.0 * (angle / 2.0).sin();
    chord * chord
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_postgis_sphere_distance() {
        // PostGIS 3.3: 'POINT(-80 35)'::geography <-> 'POINT(-79.1 35.7)'::geography
        let d = sphere_distance_m((-80.0, 35.0), (-79.1, 35.7));
        assert!((d - 112_786.995_176_281_77).abs() < 1e-6, "{d}");
        assert_eq!(sphere_distance_m((-80.0, 35.0), (-80.0, 35.0)), 0.0);
        // location <-> point, to the bit (extra_float_digits = 3), in that order.
        let (location, point) = ((-76.953813, 35.977912), (-77.07138636985366, 35.80694168260681));
        assert_eq!(sphere_distance_m(location, point), 21_762.185_549_046_626);
    }

    #[test]
    fn chord_order_is_distance_order() {
        let origin = (-79.0, 35.5);
        let o = unit_vector(origin);
        let chord2 = |p: (f64, f64)| {
            let v = unit_vector(p);
            (0..3).map(|i| f64::from(v[i] - o[i]).powi(2)).sum::<f64>()
        };
        let points = [(-79.0, 35.6), (-78.0, 35.5), (-84.0, 36.0), (-79.001, 35.5)];
        let mut by_chord = points.to_vec();
        by_chord.sort_by(|a, b| chord2(*a).total_cmp(&chord2(*b)));
        let mut by_distance = points.to_vec();
        by_distance.sort_by(|a, b| sphere_distance_m(origin, *a).total_cmp(&sphere_distance_m(origin, *b)));
        assert_eq!(by_chord, by_distance);
        let d = sphere_distance_m(origin, (-78.0, 35.5));
        assert!(chord2((-78.0, 35.5)) <= chord_squared_for(d + F32_ORDER_ERROR_M));
        assert!(chord2((-78.0, 35.5)) > chord_squared_for(d - F32_ORDER_ERROR_M));
    }
}
