"""The fixed cast of the demo world: its channel, customers and solutions.

Names are made up but plausible, so a front end shows something that looks like a real
month. The shape is what docs/contract.md §9 asks for: the platform; two Tier 1 partners with three
and two Tier 2 partners; 44 customers, the largest Tier 2 partner having 14; seven
solutions covering every aggregation rule. How much each customer uses is simulated in
``server.demo_usage`` from these figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocabulary.enums import AggregationRule

PLATFORM_NAME = "Aegis Security"


@dataclass(frozen=True, slots=True)
class DemoPartner:
    name: str
    customers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoDistributor:
    name: str
    partners: tuple[DemoPartner, ...]


@dataclass(frozen=True, slots=True)
class DemoSolution:
    """A solution, and how its usage behaves in the simulation.

    ``units_per_employee``: billing units per employee of a customer (endpoints per
    person, servers per person...). ``credits_per_unit_e4``: credits one unit costs per
    day, in ten-thousandths. ``adoption``: the share of customers that use it.
    ``weekend_factor``: usage on Saturdays and Sundays relative to weekdays.
    ``zero_day_rate``: the chance that a day reports zero units (an agent offline).
    """

    code: str
    name: str
    billing_unit: str
    aggregation_rule: AggregationRule
    units_per_employee: float
    credits_per_unit_e4: int
    adoption: float
    weekend_factor: float
    zero_day_rate: float = 0.0


SOLUTIONS: tuple[DemoSolution, ...] = (
    DemoSolution(
        "EPP",
        "Endpoint Security Pro",
        "endpoint",
        AggregationRule.PEAK_CREDITS_DAY,
        units_per_employee=1.3,
        credits_per_unit_e4=330,
        adoption=0.92,
        weekend_factor=0.82,
    ),
    DemoSolution(
        "ETD",
        "Email Threat Defense",
        "mailbox",
        AggregationRule.PEAK_CREDITS_DAY,
        units_per_employee=1.1,
        credits_per_unit_e4=150,
        adoption=0.75,
        weekend_factor=0.97,
    ),
    DemoSolution(
        "IDG",
        "Identity Guard",
        "user",
        AggregationRule.PEAK_CREDITS_DAY,
        units_per_employee=1.0,
        credits_per_unit_e4=120,
        adoption=0.5,
        weekend_factor=0.6,
    ),
    DemoSolution(
        "CBK",
        "Cloud Backup",
        "server",
        AggregationRule.PERCENTILE_85_DAY,
        units_per_employee=0.08,
        credits_per_unit_e4=2500,
        adoption=0.45,
        weekend_factor=1.0,
        zero_day_rate=0.03,
    ),
    DemoSolution(
        "MDR",
        "Managed Detection and Response",
        "endpoint",
        AggregationRule.PERCENTILE_85_DAY,
        units_per_employee=1.25,
        credits_per_unit_e4=800,
        adoption=0.3,
        weekend_factor=0.85,
    ),
    DemoSolution(
        "SBX",
        "Sandbox Analysis",
        "file",
        AggregationRule.DAILY_SUM,
        units_per_employee=2.5,
        credits_per_unit_e4=25,
        adoption=0.35,
        weekend_factor=0.2,
    ),
    DemoSolution(
        "LOG",
        "Security Log Retention",
        "GB",
        AggregationRule.DAILY_SUM,
        units_per_employee=0.4,
        credits_per_unit_e4=40,
        adoption=0.25,
        weekend_factor=0.7,
    ),
)

DISTRIBUTORS: tuple[DemoDistributor, ...] = (
    DemoDistributor(
        "Northwind Distribution",
        (
            DemoPartner(
                "Harbor IT Services",
                (
                    "Bayview Dental Group",
                    "Lakeside Family Clinic",
                    "Granite Peak Engineering",
                    "Oakridge Law Partners",
                    "Riverstone Logistics",
                    "Maple Street Bakery",
                    "Coastal Realty Advisors",
                    "Northgate Veterinary Hospital",
                    "Silverline Accounting",
                    "Brightwater Schools Trust",
                    "Evergreen Property Management",
                    "Ironwood Manufacturing",
                    "Sunrise Home Health",
                    "Tidewater Marine Supply",
                ),
            ),
            DemoPartner(
                "Pinecrest Managed Services",
                (
                    "Alpine Orthopedics",
                    "Copperfield Insurance Brokers",
                    "Redwood Architecture Studio",
                    "Prairie Grain Cooperative",
                    "Hillcrest Senior Living",
                    "Blue Heron Hotels",
                    "Westfield Auto Group",
                    "Clearview Optometry",
                    "Quarry Lane Pharmacy",
                ),
            ),
            DemoPartner(
                "Bluegate Networks",
                (
                    "Keystone Credit Union",
                    "Fairhaven Public Library",
                    "Stonebridge Wealth Management",
                    "Pioneer Freight Lines",
                    "Harvest Moon Foods",
                    "Lighthouse Charter School",
                ),
            ),
        ),
    ),
    DemoDistributor(
        "Meridian Channel Partners",
        (
            DemoPartner(
                "Summit Cloud MSP",
                (
                    "Cascade Biotech Labs",
                    "Foxglove Marketing Agency",
                    "Highland Construction",
                    "Juniper Health Partners",
                    "Windmill Energy Services",
                    "Orchard Valley Winery",
                    "Beacon Hill Legal",
                    "Starlight Event Venues",
                ),
            ),
            DemoPartner(
                "Cedar Ridge Technologies",
                (
                    "Granite State Plumbing",
                    "Willow Creek Pediatrics",
                    "Trailhead Outfitters",
                    "Blackstone Data Centers",
                    "Meadowbrook Farms",
                    "Crescent City Dental",
                    "Lantern Software Studio",
                ),
            ),
        ),
    ),
)
