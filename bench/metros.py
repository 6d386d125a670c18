"""Real US metro centroids the synthetic catalog clusters around, with weights by population.

Services in the real 211 federation follow people: dense in metro cores, thin in rural counties.
The generator puts most services in Gaussian clusters around these centroids (spread by metro
size) and the rest in a wide rural spread, so radius queries see realistic neighbour counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Metro:
    name: str
    state: str
    lat: float
    lon: float
    population_m: float  # metro population in millions, rounded (relative weight only)
    postcode: str  # a downtown ZIP code, for addresses


METROS: Final[tuple[Metro, ...]] = (
    Metro("New York", "NY", 40.7128, -74.0060, 19.5, "10007"),
    Metro("Los Angeles", "CA", 34.0522, -118.2437, 12.9, "90012"),
    Metro("Chicago", "IL", 41.8781, -87.6298, 9.4, "60602"),
    Metro("Dallas", "TX", 32.7767, -96.7970, 7.6, "75201"),
    Metro("Houston", "TX", 29.7604, -95.3698, 7.1, "77002"),
    Metro("Washington", "DC", 38.9072, -77.0369, 6.3, "20001"),
    Metro("Philadelphia", "PA", 39.9526, -75.1652, 6.2, "19107"),
    Metro("Miami", "FL", 25.7617, -80.1918, 6.1, "33130"),
    Metro("Atlanta", "GA", 33.7490, -84.3880, 6.1, "30303"),
    Metro("Boston", "MA", 42.3601, -71.0589, 4.9, "02108"),
    Metro("Phoenix", "AZ", 33.4484, -112.0740, 4.9, "85004"),
    Metro("San Francisco", "CA", 37.7749, -122.4194, 4.6, "94102"),
    Metro("Riverside", "CA", 33.9806, -117.3755, 4.6, "92501"),
    Metro("Detroit", "MI", 42.3314, -83.0458, 4.3, "48226"),
    Metro("Seattle", "WA", 47.6062, -122.3321, 4.0, "98104"),
    Metro("Minneapolis", "MN", 44.9778, -93.2650, 3.7, "55401"),
    Metro("San Diego", "CA", 32.7157, -117.1611, 3.3, "92101"),
    Metro("Tampa", "FL", 27.9506, -82.4572, 3.2, "33602"),
    Metro("Denver", "CO", 39.7392, -104.9903, 3.0, "80202"),
    Metro("Baltimore", "MD", 39.2904, -76.6122, 2.8, "21202"),
    Metro("St. Louis", "MO", 38.6270, -90.1994, 2.8, "63101"),
    Metro("Orlando", "FL", 28.5383, -81.3792, 2.7, "32801"),
    Metro("Charlotte", "NC", 35.2271, -80.8431, 2.7, "28202"),
    Metro("San Antonio", "TX", 29.4241, -98.4936, 2.6, "78205"),
    Metro("Portland", "OR", 45.5152, -122.6784, 2.5, "97204"),
    Metro("Sacramento", "CA", 38.5816, -121.4944, 2.4, "95814"),
    Metro("Pittsburgh", "PA", 40.4406, -79.9959, 2.4, "15222"),
    Metro("Austin", "TX", 30.2672, -97.7431, 2.4, "78701"),
    Metro("Las Vegas", "NV", 36.1699, -115.1398, 2.3, "89101"),
    Metro("Cincinnati", "OH", 39.1031, -84.5120, 2.3, "45202"),
    Metro("Kansas City", "MO", 39.0997, -94.5786, 2.2, "64106"),
    Metro("Columbus", "OH", 39.9612, -82.9988, 2.1, "43215"),
    Metro("Indianapolis", "IN", 39.7684, -86.1581, 2.1, "46204"),
    Metro("Cleveland", "OH", 41.4993, -81.6944, 2.1, "44114"),
    Metro("San Jose", "CA", 37.3382, -121.8863, 2.0, "95113"),
    Metro("Nashville", "TN", 36.1627, -86.7816, 2.0, "37219"),
    Metro("Virginia Beach", "VA", 36.8529, -75.9780, 1.8, "23451"),
    Metro("Providence", "RI", 41.8240, -71.4128, 1.7, "02903"),
    Metro("Jacksonville", "FL", 30.3322, -81.6557, 1.6, "32202"),
    Metro("Milwaukee", "WI", 43.0389, -87.9065, 1.6, "53202"),
    Metro("Raleigh", "NC", 35.7796, -78.6382, 1.4, "27601"),
    Metro("Oklahoma City", "OK", 35.4676, -97.5164, 1.4, "73102"),
    Metro("Memphis", "TN", 35.1495, -90.0490, 1.3, "38103"),
    Metro("Louisville", "KY", 38.2527, -85.7585, 1.3, "40202"),
    Metro("Salt Lake City", "UT", 40.7608, -111.8910, 1.3, "84101"),
    Metro("New Orleans", "LA", 29.9511, -90.0715, 1.3, "70112"),
    Metro("Richmond", "VA", 37.5407, -77.4360, 1.3, "23219"),
    Metro("Buffalo", "NY", 42.8864, -78.8784, 1.2, "14202"),
    Metro("Birmingham", "AL", 33.5186, -86.8104, 1.1, "35203"),
    Metro("Albuquerque", "NM", 35.0844, -106.6504, 0.9, "87102"),
    Metro("Tucson", "AZ", 32.2226, -110.9747, 1.0, "85701"),
    Metro("Omaha", "NE", 41.2565, -95.9345, 1.0, "68102"),
    Metro("Boise", "ID", 43.6150, -116.2023, 0.8, "83702"),
    Metro("Spokane", "WA", 47.6588, -117.4260, 0.6, "99201"),
    Metro("Anchorage", "AK", 61.2181, -149.9003, 0.4, "99501"),
    Metro("Billings", "MT", 45.7833, -108.5007, 0.2, "59101"),
    Metro("Fargo", "ND", 46.8772, -96.7898, 0.25, "58102"),
    Metro("Sioux Falls", "SD", 43.5446, -96.7311, 0.3, "57104"),
    Metro("Charleston", "WV", 38.3498, -81.6326, 0.2, "25301"),
    Metro("Burlington", "VT", 44.4759, -73.2121, 0.2, "05401"),
)

# Continental US box (plus Alaska's Anchorage area is covered by its own metro): rural points are
# clamped inside it so the spread never lands in the Pacific.
US_LAT_RANGE: Final = (25.0, 49.0)
US_LON_RANGE: Final = (-124.5, -67.0)
