"""Personal data: everything stored about a person, gathered for them (GDPR Articles 15 and 20)
and erased on request (Article 17)."""
