"""Press crawling: the outlet registry, Scrapy spiders and item pipelines."""
