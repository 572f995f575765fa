"""A fixed, small list of common Swedish names for generated demo persons.

Names are picked from these lists with the demo's seeded random generator, so that the same seed
always gives the same names. Combined with Skatteverket's test personnummer they describe no real
person.
"""

FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kerstin", "Ingrid", "Malin",
    "Linnea", "Elin", "Johanna", "Sofia", "Hanna", "Ida", "Amanda", "Frida", "Nora", "Alva",
    "Ebba", "Wilma", "Maja", "Astrid", "Selma", "Leila", "Amina", "Fatima", "Yasmin", "Sanna",
)
MALE_FIRST_NAMES: tuple[str, ...] = (
    "Lars", "Anders", "Johan", "Per", "Erik", "Karl", "Peter", "Mikael", "Jan", "Hans",
    "Oskar", "Viktor", "Emil", "Lucas", "Hugo", "William", "Elias", "Axel", "Liam", "Adam",
    "Olle", "Nils", "Måns", "Sixten", "Ali", "Omar", "Yusuf", "Mehmet", "Daniel", "Jonas",
)
LAST_NAMES: tuple[str, ...] = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
    "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg",
    "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
    "Fredriksson", "Sandberg", "Henriksson", "Ali", "Mohammed", "Hassan", "Yilmaz", "Nguyen",
)

STREET_NAMES: tuple[str, ...] = (
    "Storgatan", "Kyrkogatan", "Skolgatan", "Parkvägen", "Björkvägen", "Ekvägen", "Lönngatan",
    "Ringvägen", "Västra vägen", "Östra Långgatan", "Tallstigen", "Granvägen", "Sjövägen", "Idrottsgatan",
    "Järnvägsgatan", "Hantverkaregatan", "Ängsvägen", "Solvägen",
)
